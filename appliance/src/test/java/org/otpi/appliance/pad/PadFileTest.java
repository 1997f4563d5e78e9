package org.otpi.appliance.pad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted chunk store: reads in both directions, destruction, redo recovery, nonces. */
class PadFileTest {
    private static final int CHUNK = 256;
    private static final byte[] KEY = new byte[32];
    private static final byte[] ID = new byte[16];

    private static byte[] pad(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void streams_readForwardAndBackward_acrossChunks(@TempDir Path dir) throws Exception {
        byte[] raw = pad(5000);
        AtomicLong ctr = new AtomicLong();
        try (PadFile f = PadFile.create(dir.resolve("p"), ID, KEY, raw.length, CHUNK, ctr::incrementAndGet,
                new ByteArrayInputStream(raw), null)) {
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
    void destroy_zeroesUsedBytesOnTheMedium_andNeverReusesANonce(@TempDir Path dir) throws Exception {
        byte[] raw = pad(4096);
        Set<Long> nonces = new HashSet<>();
        AtomicLong ctr = new AtomicLong();
        NonceCounter recording = () -> {
            long n = ctr.incrementAndGet();
            assertTrue(nonces.add(n));
            return n;
        };
        Path p = dir.resolve("p");
        try (PadFile f = PadFile.create(p, ID, KEY, raw.length, CHUNK, recording, new ByteArrayInputStream(raw), null)) {
            RangeSet dead = new RangeSet();
            dead.add(16, 300);      // chunk 0 partly, chunk 1 partly
            f.destroy(16, 300, dead);
            dead.add(512, 1024);    // chunks 2 and 3 whole
            f.destroy(512, 1024, dead);
            f.destroy(512, 1024, dead); // idempotent: no new writes
            long writes = ctr.get();
            f.destroy(16, 300, dead);
            assertEquals(writes, ctr.get(), "re-destroying an already destroyed range rewrote chunks");
            byte[] c0 = f.decryptChunk(0);
            for (int k = 16; k < CHUNK; k++) {
                assertEquals(0, c0[k], "used byte survived at " + k);
            }
            assertEquals(raw[3], c0[3], "pad id damaged");
            byte[] c1 = f.decryptChunk(1);
            assertEquals(0, c1[300 - CHUNK - 1]);
            assertEquals(raw[300], c1[300 - CHUNK], "a live byte was destroyed");
            assertThrows(PadDestroyedException.class, () -> f.decryptChunk(2));
            // the whole chunk slots of chunks 2 and 3 are zero on disk
            byte[] disk = Files.readAllBytes(p);
            int slot = CHUNK + 28;
            for (int k = 2 * slot; k < 4 * slot; k++) {
                assertEquals(0, disk[k]);
            }
        }
    }

    @Test
    void redo_isAppliedAfterATornWrite_butNeverResurrectsDestroyedBytes(@TempDir Path dir) throws Exception {
        byte[] raw = pad(2048);
        AtomicLong ctr = new AtomicLong();
        Path p = dir.resolve("p");
        Path redo = dir.resolve("p.redo");
        byte[] newerSlot;
        try (PadFile f = PadFile.create(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet, new ByteArrayInputStream(raw), null)) {
            RangeSet dead = new RangeSet();
            dead.add(16, 40);
            f.destroy(16, 40, dead);
        }
        int slot = CHUNK + 28;
        byte[] disk = Files.readAllBytes(p);
        newerSlot = java.util.Arrays.copyOfRange(disk, 0, slot);
        // Simulate a crash mid-rewrite of chunk 0: the redo holds the new slot, the place is torn.
        Files.write(redo, ByteBuffer.allocate(12 + slot).putInt(slot).putLong(0).put(newerSlot).array());
        byte[] torn = disk.clone();
        for (int k = 20; k < 120; k++) {
            torn[k] = (byte) 0xAA;
        }
        Files.write(p, torn);
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet)) {
            byte[] c0 = f.decryptChunk(0);
            assertEquals(raw[100], c0[100], "live bytes lost after a torn write");
            assertEquals(0, c0[20]);
        }
        // An old redo (lower counter than what is in place) must not be applied.
        byte[] oldSlot = newerSlot;
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet)) {
            RangeSet dead = new RangeSet();
            dead.add(16, 200);
            f.destroy(16, 200, dead);
        }
        Files.write(redo, ByteBuffer.allocate(12 + slot).putInt(slot).putLong(0).put(oldSlot).array());
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet)) {
            assertEquals(0, f.decryptChunk(0)[150], "an old redo resurrected destroyed bytes");
        }
    }

    @Test
    void tamperedChunk_failsAuthentication(@TempDir Path dir) throws Exception {
        byte[] raw = pad(1024);
        AtomicLong ctr = new AtomicLong();
        Path p = dir.resolve("p");
        PadFile.create(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet, new ByteArrayInputStream(raw), null).close();
        byte[] disk = Files.readAllBytes(p);
        disk[CHUNK + 28 + 50] ^= 1;
        Files.write(p, disk);
        try (PadFile f = PadFile.open(p, ID, KEY, raw.length, CHUNK, ctr::incrementAndGet)) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> f.decryptChunk(1));
            assertTrue(e.getMessage().contains("authentication"));
            f.decryptChunk(0);
        }
    }
}
