package org.otpi.appliance.pad;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sequential pad bytes in one person's direction: forward reads pad[i], pad[i+1], ...; backward
 * reads pad[i], pad[i-1], .... Holds at most one decrypted chunk, zeroed when it moves on and on
 * {@link #close()}. A long stream (a file) also has up to {@link #AHEAD} chunks of its own range
 * decrypted ahead by threads of its own, so reading and decrypting the medium overlap with the
 * caller's XOR and writes; {@link #close()} waits for them and zeroes them too. Package-private by
 * design: only the codecs in this package see pad bytes. Not thread-safe.
 */
final class PadStream implements AutoCloseable {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private final PadFile file;
    private final Direction direction;
    private long next;
    private long remaining;
    private long cachedChunk = -1;
    private byte[] cache;

    /** Chunks decrypted ahead at most; streams shorter than {@link #AHEAD_FROM} bytes read in place. */
    static final int AHEAD = 4;
    static final long AHEAD_FROM = 1L << 20;
    static final int AHEAD_THREADS = 2;
    private final ExecutorService ahead;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    /** The next chunk of this stream's range to hand to {@link #ahead}, and how many are left. */
    private long aheadChunk;
    private long aheadLeft;

    private record Pending(long chunk, Future<byte[]> plain) {
    }

    PadStream(PadFile file, Direction direction, long start, long length) {
        this.file = file;
        this.direction = direction;
        this.next = start;
        this.remaining = length;
        if (length >= AHEAD_FROM) {
            int cs = file.chunkSize();
            long last = direction == Direction.FORWARD ? start + length - 1 : start - length + 1;
            this.aheadChunk = start / cs;
            this.aheadLeft = Math.abs(last / cs - aheadChunk) + 1;
            this.ahead = Executors.newFixedThreadPool(AHEAD_THREADS, r -> {
                Thread t = new Thread(r, "pad-read-ahead");
                t.setDaemon(true);
                return t;
            });
        } else {
            this.ahead = null;
        }
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
        byte[] plain = null;
        if (ahead != null) {
            topUp();
            Pending p = pending.peekFirst();
            if (p != null && p.chunk() == chunk) {
                pending.pollFirst();
                plain = await(p.plain());
                topUp();
            }
        }
        cache = plain != null ? plain : file.decryptChunk(chunk);
        cachedChunk = chunk;
    }

    /** Keeps {@link #AHEAD} chunks of this stream's range, in stream order, on their way. */
    private void topUp() {
        while (pending.size() < AHEAD && aheadLeft > 0) {
            long c = aheadChunk;
            pending.addLast(new Pending(c, ahead.submit(() -> file.decryptChunk(c))));
            aheadChunk += direction == Direction.FORWARD ? 1 : -1;
            aheadLeft--;
        }
    }

    private static byte[] await(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading pad");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("pad read failed", e.getCause());
        }
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
        if (ahead != null) {
            // every chunk decrypted ahead is zeroed, including those still on their way
            boolean interrupted = false;
            for (Pending p : pending) {
                while (true) {
                    try {
                        Arrays.fill(p.plain().get(), (byte) 0);
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    } catch (ExecutionException e) {
                        break;
                    }
                }
            }
            pending.clear();
            ahead.shutdown();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "PadStream[" + direction + ", " + remaining + " bytes left]";
    }
}
