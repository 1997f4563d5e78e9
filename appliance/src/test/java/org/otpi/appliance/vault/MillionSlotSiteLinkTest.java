package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.pad.InsecurePadAccess;

/**
 * Law 1's cost stays O(1): a tunnel that runs for years destroys a million key slots, one
 * direction far ahead of the other, and every destroyed slot costs the journal the same few bytes
 * at the end as at the start (the old code rewrote the whole range list each time, until the vault
 * could not unlock). The medium lives in /dev/shm where there is one: this is about bytes, not disks.
 */
class MillionSlotSiteLinkTest {
    private static final long SLOTS = 1_000_000;
    private static final long SIZE = 16 + SLOTS * Vault.SLOT_LENGTH;
    private Path root;

    @AfterEach
    void cleanUp() throws IOException {
        if (root != null && Files.exists(root)) {
            MediumNonces.deleteTree(root);
        }
    }

    @Test
    void millionSlotPad_journalGrowthPerDestroyedSlotIsBounded() throws Exception {
        Path shm = Path.of("/dev/shm");
        root = Files.createTempDirectory(Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(
                System.getProperty("java.io.tmpdir")), "otpi-million-");
        Path journal = root.resolve("alice-medium").resolve("journal");
        try (Vault v = TestVaults.create(root, "alice")) {
            v.importPad("site", "branch", new SeededStream(77, SIZE), SIZE, "imported", "site-link", null);
            assertEquals(SLOTS, v.siteLinkSlots("site"));
            long first = maxGrowth(v, journal, 1, 2_000);
            v.destroySiteLinkHalves("site", 0, SLOTS - 2_000); // half 0 far ahead of half 1
            long last = maxGrowth(v, journal, SLOTS - 2_000 + 1, SLOTS);
            assertTrue(first < 200, "a destroyed slot cost " + first + " journal bytes");
            assertTrue(last <= first + 16, "growth per slot rose from " + first + " to " + last + " bytes");
        }
        long before = System.nanoTime();
        try (Vault v = TestVaults.unlock(root, "alice")) {
            long unlockMillis = (System.nanoTime() - before) / 1_000_000;
            assertTrue(Files.size(journal) < 1_000_000, "journal " + Files.size(journal) + " bytes");
            assertTrue(unlockMillis < 60_000, "unlock took " + unlockMillis + " ms");
            byte[] expected = new byte[Vault.SLOT_LENGTH];
            for (long slot : new long[] {5, SLOTS / 2, SLOTS - 1}) {
                byte[] got = new byte[Vault.SLOT_LENGTH];
                v.readSiteLinkSlot("site", slot, got, InsecurePadAccess.iUnderstandThisMovesPadBytes());
                new SeededStream(77, SIZE).read(expected, 16 + slot * Vault.SLOT_LENGTH);
                assertArrayEquals(new byte[60], Arrays.copyOf(got, 60), "half 0 of slot " + slot + " not destroyed");
                assertArrayEquals(Arrays.copyOfRange(expected, 60, 120), Arrays.copyOfRange(got, 60, 120),
                        "half 1 of slot " + slot + " damaged");
            }
        }
    }

    /** Destroys half 0 slot by slot from {@code from} to {@code to}; the largest journal growth of one step. */
    private static long maxGrowth(Vault v, Path journal, long from, long to) throws Exception {
        long max = 0;
        for (long s = from; s <= to; s++) {
            long before = Files.size(journal);
            v.destroySiteLinkHalves("site", 0, s);
            max = Math.max(max, Files.size(journal) - before);
        }
        return max;
    }

    /** Deterministic pseudo-random bytes, generated on the fly (no 120 MB array). */
    private static final class SeededStream extends InputStream {
        private final long seed;
        private final long size;
        private long pos;

        SeededStream(long seed, long size) {
            this.seed = seed;
            this.size = size;
        }

        private static long word(long w, long seed) {
            long x = w * 0x9E3779B97F4A7C15L + seed;
            x ^= x >>> 31;
            x *= 0xBF58476D1CE4E5B9L;
            return x ^ (x >>> 29);
        }

        private byte at(long i) {
            return (byte) (word(i / 8, seed) >>> (8 * (i % 8)));
        }

        void read(byte[] dst, long offset) {
            for (int k = 0; k < dst.length; k++) {
                dst[k] = at(offset + k);
            }
        }

        @Override
        public int read() {
            return pos < size ? at(pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            int k = 0;
            while (k < n && (pos + k) % 8 != 0) {
                b[off + k] = at(pos + k);
                k++;
            }
            for (; k + 8 <= n; k += 8) {
                long x = word((pos + k) / 8, seed);
                for (int j = 0; j < 8; j++) {
                    b[off + k + j] = (byte) (x >>> (8 * j));
                }
            }
            for (; k < n; k++) {
                b[off + k] = at(pos + k);
            }
            pos += n;
            return n;
        }
    }
}
