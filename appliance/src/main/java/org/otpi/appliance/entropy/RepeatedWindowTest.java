package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Detects a source that replays earlier output (a USB device resending a stale buffer): a
 * 16-byte window starting at a multiple of 15 that equals a window starting at a multiple of
 * 16 within the last 4096 bytes fails. Not in SP 800-90B; it catches what the RCT and APT miss.
 *
 * <p>Promise: if from byte s on the output repeats with a period L (x[i] = x[i - L] for
 * i >= s + L) and L <= 4096, the test fails at a byte index no later than s + L + 254.
 * (Since gcd(15, 16) = 1 there is a window start w in [s, s + 239] with w = 0 mod 16 and
 * w + L = 0 mod 15; the copy at w + L is complete at w + L + 15.) Looking up every 15th
 * window and storing every 16th costs an eighth of checking every window.
 *
 * <p>Exactly which windows are compared: in order of start (at equal starts the lookup first),
 * a looked-up window is compared, byte for byte, with every stored window whose 4096-byte epoch
 * (start / 4096) is that of the latest stored window or the one before; all-zero windows are
 * not stored (they are the RCT's to catch).
 *
 * <p>False alarm: a lookup compares 16 bytes exactly against at most 512 stored windows; with
 * min-entropy H per byte that is at most 512 * 2^-(16 H) per lookup, 2^-55 for H = 4.
 *
 * <p>Implementation: stored windows live in a ring of 512 slots indexed by their store number
 * (start / 16), two epochs' worth, so a window leaves by being overwritten and nothing is ever
 * cleared. A hash of each window picks one of 2048 buckets; the bucket keeps the number of its
 * newest window and each window the number of the previous one in its bucket, so a lookup
 * follows a chain from new to old and stops at the first number older than the history. Most
 * lookups stop at the bucket. Windows inside the caller's array are read in place; only the
 * 15 bytes before it are kept. Not thread-safe.
 */
final class RepeatedWindowTest {
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder()); // equality only
    private static final int WINDOW = HealthParameters.REPEAT_WINDOW_BYTES;
    private static final int STRIDE = 16;        // windows stored
    private static final int LOOKUP_STRIDE = 15; // windows looked up
    private static final int PER_EPOCH = HealthParameters.REPEAT_HISTORY_BYTES / STRIDE; // 256
    private static final int RING = 2 * PER_EPOCH;
    private static final int BUCKET_BITS = 11;
    private static final long NONE = Long.MIN_VALUE;
    private static final int PERIOD = STRIDE * LOOKUP_STRIDE; // 240

    /** Per bucket: the store number of its newest window, or NONE. */
    private final long[] head = new long[1 << BUCKET_BITS];
    /**
     * Per ring slot, side by side (one or two cache lines to touch instead of four): the window's two halves, its
     * store number and the previous number in its bucket.
     */
    private final long[] ring = new long[4 * RING];
    /** The oldest store number still in the history (start of the epoch before the latest store's). */
    private long oldest = 0;
    /** The first store number of the epoch after the latest store's. */
    private long nextEpoch = 0;

    /** The 15 bytes before the next one fed, then the first 15 of a new chunk: windows that straddle. */
    private final byte[] seam = new byte[2 * (WINDOW - 1)];
    private int carried;
    /** Absolute index of the next byte to be fed. */
    private long position;
    private long nextLookup;
    private long nextInsert;

    RepeatedWindowTest() {
        Arrays.fill(head, NONE);
        for (int slot = 0; slot < RING; slot++) {
            ring[4 * slot + 2] = NONE;
        }
    }

    /** Returns the absolute index of the byte that completes a repeated window, or -1. */
    long feed(byte[] b, int off, int len) {
        long first = position - carried; // absolute index of seam[0]
        // windows starting in the carried bytes, read from the seam
        int added = Math.min(len, WINDOW - 1);
        System.arraycopy(b, off, seam, carried, added);
        long seamLast = first + carried + added - WINDOW; // last complete window start in the seam
        long at = scan(seam, 0, first, Math.min(seamLast, position - 1));
        if (at < 0) {
            // windows starting in b
            at = scan(b, off, position, position + len - WINDOW);
        }
        if (at >= 0) {
            return at;
        }
        position += len;
        if (len >= WINDOW - 1) {
            System.arraycopy(b, off + len - (WINDOW - 1), seam, 0, WINDOW - 1);
            carried = WINDOW - 1;
        } else {
            int keep = Math.min(WINDOW - 1, carried + len);
            System.arraycopy(seam, carried + len - keep, seam, 0, keep);
            carried = keep;
        }
        return -1;
    }

    /**
     * Looks up and stores the windows starting at absolute indices up to {@code last}, reading
     * the window at absolute index s from {@code a[base + s - absBase]}. Lookups (every 15) and
     * stores (every 16) alternate: in each 240 bytes from a multiple of 240 they come at
     * offsets 0, 0, 15, 16, 30, 32, ..., 210, 224, 225; whole periods run unrolled.
     */
    private long scan(byte[] a, int base, long absBase, long last) {
        while (true) {
            long s = Math.min(nextLookup, nextInsert);
            if (s > last) {
                return -1;
            }
            if (nextLookup == nextInsert && s + PERIOD - LOOKUP_STRIDE <= last) {
                long at = period(a, base + (int) (s - absBase), s);
                if (at >= 0) {
                    return at;
                }
                nextLookup = s + PERIOD;
                nextInsert = s + PERIOD;
                continue;
            }
            int i = base + (int) (s - absBase);
            if (s == nextLookup) {
                if (lookup(a, i)) {
                    return s + WINDOW - 1;
                }
                nextLookup += LOOKUP_STRIDE;
            }
            if (s == nextInsert) {
                store(a, i, s / STRIDE);
                nextInsert += STRIDE;
            }
        }
    }

    /** One whole period of 240 bytes starting at {@code a[i]} = absolute index {@code s}. */
    private long period(byte[] a, int i, long s) {
        long n = s / STRIDE;
        for (int k = 0; k < 15; k++) {
            if (lookup(a, i + LOOKUP_STRIDE * k)) {
                return s + LOOKUP_STRIDE * k + WINDOW - 1;
            }
            store(a, i + STRIDE * k, n + k);
        }
        if (lookup(a, i + LOOKUP_STRIDE * 15)) {
            return s + LOOKUP_STRIDE * 15 + WINDOW - 1;
        }
        return -1;
    }

    private static int bucket(long h, long l) {
        return (int) ((h * 0x9E3779B97F4A7C15L + l * 0xC2B2AE3D27D4EB4FL) >>> (64 - BUCKET_BITS));
    }

    private boolean lookup(byte[] a, int i) {
        long h = (long) LONGS.get(a, i);
        long l = (long) LONGS.get(a, i + 8);
        long n = head[bucket(h, l)];
        return n >= oldest && contains(h, l, n); // most lookups end at the bucket
    }

    private void store(byte[] a, int i, long n) {
        long h = (long) LONGS.get(a, i);
        long l = (long) LONGS.get(a, i + 8);
        if ((h | l) == 0) {
            return; // an all-zero window is the RCT's to catch
        }
        int bucket = bucket(h, l);
        int at = 4 * (int) (n & (RING - 1));
        long[] ring = this.ring;
        ring[at] = h;
        ring[at + 1] = l;
        ring[at + 2] = n;
        ring[at + 3] = head[bucket];
        head[bucket] = n;
        if (n >= nextEpoch) {
            long epoch = n / PER_EPOCH;
            oldest = Math.max(0, (epoch - 1) * PER_EPOCH);
            nextEpoch = (epoch + 1) * PER_EPOCH;
        }
    }

    /** Follows the chain from store number {@code n} (in the history) for an equal window. */
    private boolean contains(long h, long l, long n) {
        long oldest = this.oldest;
        long[] ring = this.ring;
        while (n >= oldest) {
            int at = 4 * (int) (n & (RING - 1));
            if (ring[at + 2] != n) {
                return false; // overwritten: everything older in the chain has left the history too
            }
            if (ring[at] == h && ring[at + 1] == l) {
                return true;
            }
            n = ring[at + 3];
        }
        return false;
    }
}
