package org.otpi.appliance.pad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted chunk store: reads in both directions, destruction, redo recovery, nonces. */
class PadFileTest {
    private static final int CHUNK = 256;
    private static final int SLOT = CHUNK + 40;
    private static final byte[] KEY = new byte[32];
    private static final byte[] ID = new byte[16];

    private static byte[] pad(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static PadFile create(Path p, byte[] raw) throws Exception {
        return PadFile.create(p, ID, KEY, raw.length, CHUNK, new ByteArrayInputStream(raw), null);
    }

    /** Every non-zero slot nonce in the file. */
    private static Set<String> nonces(Path p, int slots) throws Exception {
        byte[] disk = Files.readAllBytes(p);
        Set<String> out = new HashSet<>();
        for (int i = 0; i < slots; i++) {
            String n = HexFormat.of().formatHex(disk, i * SLOT, i * SLOT + 24);
            if (!n.equals("0".repeat(48))) {
                out.add(n);
            }
        }
        return out;
    }

    @Test
    void streams_readForwardAndBackward_acrossChunks(@TempDir Path dir) throws Exception {
        byte[] raw = pad(5000);
        try (PadFile f = create(dir.resolve("p"), raw)) {
            byte[] fwd = new byte[1000];
            try (PadStream s = f.stream(Direction.FORWARD, 100, 1000)) {
                s.readInto(fwd, 0, 1000);
            }
            for (int k = 0; k < 1000; k++) {
                assertEquals(raw[100 + k], fwd[k]);
            }
            byte[] back = new byte[1000];
            try (PadStream s = f.stream(Direction.BACKWARD, 4999, 1000)) {
                s.xorInto(back, 0, 1000);
            }
            for (int k = 0; k < 1000; k++) {
                assertEquals(raw[4999 - k], back[k]);
            }
            assertArrayEquals(java.util.Arrays.copyOf(raw, 16), f.padId());
            assertThrows(IllegalArgumentException.class, () -> f.stream(Direction.BACKWARD, 10, 20));
        }
    }

    @Test
    void destroy_zeroesUsedBytesOnTheMedium_andEveryRewriteDrawsANewNonce(@TempDir Path dir) throws Exception {
        byte[] raw = pad(4096);
        Path p = dir.resolve("p");
        int slots = 4096 / CHUNK;
        try (PadFile f = create(p, raw)) {
            Set<String> seen = new HashSet<>(nonces(p, slots));
            assertEquals(slots, seen.size(), "two slots share a nonce");
            RangeSet dead = new RangeSet();
            dead.add(16, 300);      // chunk 0 partly, chunk 1 partly
            f.destroy(16, 300, dead);
            Set<String> after = nonces(p, slots);
            after.removeAll(seen);
            assertEquals(2, after.size(), "the two rewritten chunks did not get fresh nonces");
            seen.addAll(after);
            dead.add(512, 1024);    // chunks 2 and 3 whole
            f.destroy(512, 1024, dead);
            byte[] before = Files.readAllBytes(p);
            f.destroy(512, 1024, dead); // idempotent: no new writes
            f.destroy(16, 300, dead);
            assertArrayEquals(before, Files.readAllBytes(p), "re-destroying a destroyed range rewrote chunks");
            byte[] c0 = f.decryptChunk(0);
            for (int k = 16; k < CHUNK; k++) {
                assertEquals(0, c0[k], "used byte survived at " + k);
            }
            assertEquals(raw[3], c0[3], "pad id damaged");
            byte[] c1 = f.decryptChunk(1);
            assertEquals(0, c1[300 - CHUNK - 1]);
            assertEquals(raw[300], c1[300 - CHUNK], "a live byte was destroyed");
            assertThrows(PadDestroyedException.class, () -> f.decryptChunk(2));
            byte[] disk = Files.readAllBytes(p);
            for (int k = 2 * SLOT; k < 4 * SLOT; k++) {
                assertEquals(0, disk[k], "the whole slots of chunks 2 and 3 are zero on disk");
            }
        }
    }

    @Test
    void rolledBackFile_rewrittenAgain_neverRepeatsANonce(@TempDir Path dir) throws Exception {
        byte[] raw = pad(2048);
        Path p = dir.resolve("p");
        int slots = 2048 / CHUNK;
        Set<String> seen = new HashSet<>();
        create(p, raw).close();
        byte[] original = Files.readAllBytes(p);
        seen.addAll(nonces(p, slots));
        for (int round = 0; round < 20; round++) {
            Files.write(p, original); // the attacker puts the old copy back
            Files.deleteIfExists(dir.resolve("p.redo"));
            try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK)) {
                RangeSet dead = new RangeSet();
                dead.add(16, 16 + 100 + round);
                f.destroy(16, 16 + 100 + round, dead);
            }
            for (String n : nonces(p, 1)) {
                assertTrue(seen.add(n), "round " + round + ": a nonce written before was written again");
            }
        }
    }

    @Test
    void redo_isAppliedAfterATornWrite_butNeverResurrectsDestroyedBytes(@TempDir Path dir) throws Exception {
        byte[] raw = pad(2048);
        Path p = dir.resolve("p");
        Path redo = dir.resolve("p.redo");
        try (PadFile f = create(p, raw)) {
            RangeSet dead = new RangeSet();
            dead.add(16, 40);
            f.destroy(16, 40, dead);
        }
        byte[] disk = Files.readAllBytes(p);
        byte[] newerSlot = java.util.Arrays.copyOfRange(disk, 0, SLOT);
        // A crash mid-rewrite of chunk 0: the redo holds the new slot, the place is torn.
        Files.write(redo, ByteBuffer.allocate(12 + SLOT).putInt(SLOT).putLong(0).put(newerSlot).array());
        byte[] torn = disk.clone();
        for (int k = 30; k < 130; k++) {
            torn[k] = (byte) 0xAA;
        }
        Files.write(p, torn);
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK)) {
            byte[] c0 = f.decryptChunk(0);
            assertEquals(raw[100], c0[100], "live bytes lost after a torn write");
            assertEquals(0, c0[20]);
        }
        // An old redo (fewer dead bytes than what is in place) must not be applied.
        byte[] oldSlot = newerSlot;
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK)) {
            RangeSet dead = new RangeSet();
            dead.add(16, 200);
            f.destroy(16, 200, dead);
        }
        Files.write(redo, ByteBuffer.allocate(12 + SLOT).putInt(SLOT).putLong(0).put(oldSlot).array());
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK)) {
            assertEquals(0, f.decryptChunk(0)[150], "an old redo resurrected destroyed bytes");
            assertEquals(raw[250], f.decryptChunk(0)[250]);
        }
    }

    @Test
    void tamperedOrShortenedFile_failsAuthentication(@TempDir Path dir) throws Exception {
        byte[] raw = pad(1024);
        Path p = dir.resolve("p");
        create(p, raw).close();
        byte[] disk = Files.readAllBytes(p);
        disk[SLOT + 50] ^= 1;
        Files.write(p, disk);
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK)) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> f.decryptChunk(1));
            assertTrue(e.getMessage().contains("authentication"));
            f.decryptChunk(0);
        }
        Files.write(p, java.util.Arrays.copyOf(disk, disk.length - 1));
        java.io.IOException cut = assertThrows(java.io.IOException.class,
                () -> PadFile.open(p, ID, KEY, raw.length, CHUNK));
        assertTrue(cut.getMessage().contains("cut short"), cut.getMessage());
    }
}
