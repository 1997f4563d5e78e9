package org.otpi.appliance.pad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long streams decrypt chunks ahead on threads of their own: the bytes must be exactly the pad's,
 * in both directions and across every chunk boundary; a destroyed chunk must fail where it is
 * reached, not before; and closing must leave no read-ahead thread behind.
 */
class PadStreamReadAheadTest {
    private static final int CHUNK = 4096;
    private static final byte[] KEY = new byte[32];
    private static final byte[] ID = new byte[16];

    private static byte[] raw(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static PadFile create(Path p, byte[] raw) throws Exception {
        return PadFile.create(p, ID, KEY, raw.length, CHUNK, new ByteArrayInputStream(raw), null);
    }

    @Test
    void longStreams_readThePadExactly_forwardAndBackward_inPiecesOfEverySize(@TempDir Path dir) throws Exception {
        byte[] raw = raw(3 * (1 << 20) + 777);
        try (PadFile f = create(dir.resolve("p"), raw)) {
            Random rnd = new Random(7);
            for (int round = 0; round < 4; round++) {
                int length = (int) PadStream.AHEAD_FROM + rnd.nextInt(1 << 20);
                long fwdStart = 16 + rnd.nextInt(raw.length - 16 - length);
                assertEquals(raw.length, f.size());
                byte[] got = read(f, Direction.FORWARD, fwdStart, length, rnd);
                for (int k = 0; k < length; k++) {
                    if (got[k] != raw[(int) fwdStart + k]) {
                        throw new AssertionError("forward byte " + k + " of a stream from " + fwdStart);
                    }
                }
                long backStart = 16 + length - 1 + rnd.nextInt(raw.length - 16 - length);
                got = read(f, Direction.BACKWARD, backStart, length, rnd);
                for (int k = 0; k < length; k++) {
                    if (got[k] != raw[(int) backStart - k]) {
                        throw new AssertionError("backward byte " + k + " of a stream from " + backStart);
                    }
                }
            }
        }
        assertNoReadAheadThreads();
    }

    @Test
    void xorThroughReadAhead_equalsXorInPlace(@TempDir Path dir) throws Exception {
        byte[] raw = raw(2 * (1 << 20) + 100);
        try (PadFile f = create(dir.resolve("p"), raw)) {
            int length = (int) PadStream.AHEAD_FROM + 5000;
            byte[] message = raw(length);
            byte[] ahead = message.clone();
            try (PadStream s = f.stream(Direction.FORWARD, 16, length)) {
                for (int off = 0; off < length; off += 65536) {
                    s.xorInto(ahead, off, Math.min(65536, length - off));
                }
            }
            byte[] expected = message.clone();
            for (int k = 0; k < length; k++) {
                expected[k] ^= raw[16 + k];
            }
            assertArrayEquals(expected, ahead);
        }
    }

    @Test
    void aDestroyedChunkAhead_failsWhereItIsReached_notBefore(@TempDir Path dir) throws Exception {
        byte[] raw = raw(2 * (1 << 20));
        try (PadFile f = create(dir.resolve("p"), raw)) {
            int badChunk = 40;
            RangeSet dead = new RangeSet();
            dead.add((long) badChunk * CHUNK, (long) (badChunk + 1) * CHUNK);
            f.destroy((long) badChunk * CHUNK, (long) (badChunk + 1) * CHUNK, dead);
            int length = (int) PadStream.AHEAD_FROM;
            byte[] buf = new byte[badChunk * CHUNK - CHUNK];
            try (PadStream s = f.stream(Direction.FORWARD, CHUNK, length)) {
                s.readInto(buf, 0, buf.length); // chunks 1..39: fine, although 40 was read ahead
                for (int k = 0; k < buf.length; k++) {
                    if (buf[k] != raw[CHUNK + k]) {
                        throw new AssertionError("byte " + k);
                    }
                }
                assertThrows(PadDestroyedException.class, () -> s.readInto(new byte[1], 0, 1));
            }
        }
        assertNoReadAheadThreads();
    }

    @Test
    void closingEarly_endsTheReadAheadThreads(@TempDir Path dir) throws Exception {
        byte[] raw = raw(4 * (1 << 20));
        try (PadFile f = create(dir.resolve("p"), raw)) {
            for (int i = 0; i < 20; i++) {
                try (PadStream s = f.stream(Direction.FORWARD, 16, 3 << 20)) {
                    s.readInto(new byte[100], 0, 100);
                    assertTrue(Thread.getAllStackTraces().keySet().stream()
                            .anyMatch(t -> t.getName().equals("pad-read-ahead")), "a long stream reads ahead");
                }
                try (PadStream s = f.stream(Direction.FORWARD, 16, PadStream.AHEAD_FROM - 1)) {
                    s.readInto(new byte[100], 0, 100); // short: read in place, no thread
                }
            }
        }
        assertNoReadAheadThreads();
    }

    private static byte[] read(PadFile f, Direction d, long start, int length, Random rnd) throws Exception {
        byte[] out = new byte[length];
        try (PadStream s = f.stream(d, start, length)) {
            int off = 0;
            while (off < length) {
                int n = Math.min(length - off, 1 + rnd.nextInt(3 * CHUNK));
                s.readInto(out, off, n);
                off += n;
            }
            assertEquals(0, s.remaining());
        }
        return out;
    }

    private static void assertNoReadAheadThreads() throws InterruptedException {
        long end = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < end) {
            boolean any = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.getName().equals("pad-read-ahead") && t.isAlive());
            if (!any) {
                return;
            }
            Thread.sleep(20);
        }
        assertTrue(false, "a pad-read-ahead thread outlived its stream");
    }
}
