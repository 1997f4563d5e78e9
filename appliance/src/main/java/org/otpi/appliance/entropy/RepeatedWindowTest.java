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
 * <p>False alarm: a lookup compares 16 bytes exactly against at most 512 stored windows; with
 * min-entropy H per byte that is at most 512 * 2^-(16 H) per lookup, 2^-55 for H = 4.
 *
 * <p>Implementation: per 4096-byte epoch of window starts, a 64 Kibit filter (most lookups
 * stop at one bit) and an exact open-addressing table; the older epoch's pair is cleared when
 * a new epoch begins, so every window of the current and the previous epoch is kept exactly.
 * Not thread-safe.
 */
final class RepeatedWindowTest {
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder()); // equality only
    private static final int WINDOW = HealthParameters.REPEAT_WINDOW_BYTES;
    private static final int STRIDE = 16;        // windows stored
    private static final int LOOKUP_STRIDE = 15; // windows looked up
    private static final int EPOCH = HealthParameters.REPEAT_HISTORY_BYTES;
    private static final int SLOTS = 1024; // 256 entries per epoch: load 1/4
    private static final int MASK = SLOTS - 1;
    private static final int FILTER_BITS = 1 << 16;

    /** [epoch & 1][2 * slot] = high long, [2 * slot + 1] = low long; empty slots are (0, 0). */
    private final long[][] table = {new long[2 * SLOTS], new long[2 * SLOTS]};
    private final long[][] filter = {new long[FILTER_BITS / 64], new long[FILTER_BITS / 64]};
    private long currentEpoch = 0;

    /** The previous 15 bytes, then the new chunk: windows may straddle chunks. */
    private byte[] work = new byte[WINDOW - 1 + 65536];
    private int carried;
    /** Absolute index of the next byte to be fed. */
    private long position;
    private long nextLookup;
    private long nextInsert;

    /** Returns the absolute index of the byte that completes a repeated window, or -1. */
    long feed(byte[] b, int off, int len) {
        if (work.length < carried + len) {
            work = Arrays.copyOf(work, carried + len);
        }
        byte[] w = work;
        System.arraycopy(b, off, w, carried, len);
        int total = carried + len;
        long firstIndex = position - carried; // absolute index of work[0]
        long result = -1;
        long lastStart = firstIndex + total - WINDOW; // absolute start of the last complete window
        long[] f0 = filter[0];
        long[] f1 = filter[1];
        while (true) {
            long start = Math.min(nextLookup, nextInsert);
            if (start > lastStart) {
                break;
            }
            int i = (int) (start - firstIndex);
            long h = (long) LONGS.get(w, i);
            long l = (long) LONGS.get(w, i + 8);
            long x = mix(h, l);
            int bit = (int) (x >>> 48); // 16 bits for the filter
            if (start == nextLookup) {
                if (((f0[bit >>> 6] | f1[bit >>> 6]) & (1L << bit)) != 0 && contains(h, l, (int) (x >>> 32) & MASK)) {
                    result = start + WINDOW - 1;
                    break;
                }
                nextLookup += LOOKUP_STRIDE;
            }
            if (start == nextInsert) {
                if ((h | l) != 0) { // an all-zero window is the RCT's to catch
                    insert(start, h, l, (int) (x >>> 32) & MASK, bit);
                    f0 = filter[0];
                    f1 = filter[1];
                }
                nextInsert += STRIDE;
            }
        }
        position += len;
        int keep = Math.min(WINDOW - 1, total);
        if (result < 0) {
            System.arraycopy(w, total - keep, w, 0, keep);
            carried = keep;
        }
        return result;
    }

    private static long mix(long h, long l) {
        return h * 0x9E3779B97F4A7C15L + l * 0xC2B2AE3D27D4EB4FL;
    }

    private boolean contains(long h, long l, int s0) {
        for (int t = 0; t < 2; t++) {
            long[] tab = table[t];
            for (int s = s0; ; s = (s + 1) & MASK) {
                long th = tab[2 * s];
                long tl = tab[2 * s + 1];
                if ((th | tl) == 0) {
                    break;
                }
                if (th == h && tl == l) {
                    return true;
                }
            }
        }
        return false;
    }

    private void insert(long start, long h, long l, int s, int bit) {
        long epoch = start / EPOCH;
        if (epoch != currentEpoch) {
            if (epoch > currentEpoch + 1) { // skipped an epoch: both are stale
                Arrays.fill(table[(int) ((epoch + 1) & 1)], 0);
                Arrays.fill(filter[(int) ((epoch + 1) & 1)], 0);
            }
            Arrays.fill(table[(int) (epoch & 1)], 0);
            Arrays.fill(filter[(int) (epoch & 1)], 0);
            currentEpoch = epoch;
        }
        int t = (int) (epoch & 1);
        long[] tab = table[t];
        while ((tab[2 * s] | tab[2 * s + 1]) != 0) {
            s = (s + 1) & MASK;
        }
        tab[2 * s] = h;
        tab[2 * s + 1] = l;
        filter[t][bit >>> 6] |= 1L << bit;
    }
}
