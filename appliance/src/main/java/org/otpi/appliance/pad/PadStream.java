package org.otpi.appliance.pad;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Sequential pad bytes in one person's direction: forward reads pad[i], pad[i+1], ...; backward
 * reads pad[i], pad[i-1], .... Holds at most one decrypted chunk, zeroed when it moves on and on
 * {@link #close()}. Package-private by design: only the codecs in this package see pad bytes.
 * Not thread-safe.
 */
final class PadStream implements AutoCloseable {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private final PadFile file;
    private final Direction direction;
    private long next;
    private long remaining;
    private long cachedChunk = -1;
    private byte[] cache;

    PadStream(PadFile file, Direction direction, long start, long length) {
        this.file = file;
        this.direction = direction;
        this.next = start;
        this.remaining = length;
    }

    long remaining() {
        return remaining;
    }

    /** XORs the next {@code len} stream bytes into {@code buf[off, off+len)}. */
    void xorInto(byte[] buf, int off, int len) throws IOException {
        take(buf, off, len, true);
    }

    /** Copies the next {@code len} stream bytes into {@code dst}; the caller zeroes {@code dst}. */
    void readInto(byte[] dst, int off, int len) throws IOException {
        take(dst, off, len, false);
    }

    private void take(byte[] buf, int off, int len, boolean xor) throws IOException {
        if (len > remaining) {
            throw new IllegalStateException("pad stream overrun");
        }
        int cs = file.chunkSize();
        while (len > 0) {
            long chunk = next / cs;
            load(chunk);
            int inChunk = (int) (next - chunk * cs);
            int n;
            if (direction == Direction.FORWARD) {
                n = Math.min(len, cache.length - inChunk);
                if (xor) {
                    xorForward(buf, off, cache, inChunk, n);
                } else {
                    System.arraycopy(cache, inChunk, buf, off, n);
                }
                next += n;
            } else {
                n = Math.min(len, inChunk + 1);
                if (xor) {
                    xorBackward(buf, off, cache, inChunk, n);
                } else {
                    for (int k = 0; k < n; k++) {
                        buf[off + k] = cache[inChunk - k];
                    }
                }
                next -= n;
            }
            off += n;
            len -= n;
            remaining -= n;
        }
    }

    /** dst[d + k] ^= src[s + k] for k in [0, n), eight bytes at a time. */
    static void xorForward(byte[] dst, int d, byte[] src, int s, int n) {
        int k = 0;
        for (; k + 8 <= n; k += 8) {
            LONGS.set(dst, d + k, (long) LONGS.get(dst, d + k) ^ (long) LONGS.get(src, s + k));
        }
        for (; k < n; k++) {
            dst[d + k] ^= src[s + k];
        }
    }

    /** dst[d + k] ^= src[s - k] for k in [0, n) (the pad read backward), eight bytes at a time. */
    static void xorBackward(byte[] dst, int d, byte[] src, int s, int n) {
        int k = 0;
        for (; k + 8 <= n; k += 8) {
            long p = Long.reverseBytes((long) LONGS.get(src, s - k - 7));
            LONGS.set(dst, d + k, (long) LONGS.get(dst, d + k) ^ p);
        }
        for (; k < n; k++) {
            dst[d + k] ^= src[s - k];
        }
    }

    private void load(long chunk) throws IOException {
        if (chunk == cachedChunk) {
            return;
        }
        wipe();
        cache = file.decryptChunk(chunk);
        cachedChunk = chunk;
    }

    private void wipe() {
        if (cache != null) {
            Arrays.fill(cache, (byte) 0);
            cache = null;
            cachedChunk = -1;
        }
    }

    @Override
    public void close() {
        wipe();
    }

    @Override
    public String toString() {
        return "PadStream[" + direction + ", " + remaining + " bytes left]";
    }
}
