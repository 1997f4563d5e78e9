package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Detects a source that replays earlier output (a USB device resending a stale buffer): any
 * 16-byte window that equals a window starting at a multiple of 8 within the last 4096 bytes
 * fails. Not in SP 800-90B; it catches what the RCT and APT miss.
 *
 * <p>Promise: if from byte s on the output repeats with a period L (x[i] = x[i - L] for
 * i >= s + L) and L <= 4096, the test fails at a byte index no later than s + L + 22.
 * (The first window start w >= s that is a multiple of 8 is at most s + 7; its copy at w + L is
 * complete at w + L + 15.)
 *
 * <p>False alarm: a lookup compares 16 bytes exactly against at most 1024 stored windows; with
 * min-entropy H per byte that is at most 1024 * 2^-(16 H) per byte, 2^-54 for H = 4.
 *
 * <p>Implementation: two open-addressing tables, one per 4096-byte epoch of window starts;
 * the older is cleared when a new epoch begins, so every window of the current and the
 * previous epoch is kept exactly. Not thread-safe.
 */
final class RepeatedWindowTest {
    private static final VarHandle LONGS =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int WINDOW = HealthParameters.REPEAT_WINDOW_BYTES;
    private static final int STRIDE = 8;
    private static final int EPOCH = HealthParameters.REPEAT_HISTORY_BYTES;
    private static final int SLOTS = 2048; // 512 entries per epoch: load 1/4
    private static final int MASK = SLOTS - 1;

    private final long[][] hi = {new long[SLOTS], new long[SLOTS]};
    private final long[][] lo = {new long[SLOTS], new long[SLOTS]};
    private final boolean[][] used = {new boolean[SLOTS], new boolean[SLOTS]};
    private long currentEpoch = 0;

    /** The previous 15 bytes, then the new chunk: windows may straddle chunks. */
    private byte[] work = new byte[WINDOW - 1 + 65536];
    private int carried;
    /** Absolute index of the next byte to be fed. */
    private long position;

    /** Returns the absolute index of the byte that completes a repeated window, or -1. */
    long feed(byte[] b, int off, int len) {
        if (work.length < carried + len) {
            work = Arrays.copyOf(work, carried + len);
        }
        System.arraycopy(b, off, work, carried, len);
        int total = carried + len;
        long firstIndex = position - carried; // absolute index of work[0]
        long result = -1;
        int lastStart = total - WINDOW;
        for (int i = 0; i <= lastStart; i++) {
            long start = firstIndex + i;
            long h = (long) LONGS.get(work, i);
            long l = (long) LONGS.get(work, i + 8);
            if (contains(h, l)) {
                result = start + WINDOW - 1;
                break;
            }
            if ((start & (STRIDE - 1)) == 0) {
                insert(start, h, l);
            }
        }
        position += len;
        int keep = Math.min(WINDOW - 1, total);
        if (result < 0) {
            System.arraycopy(work, total - keep, work, 0, keep);
            carried = keep;
        }
        return result;
    }

    private static int slot(long h, long l) {
        long x = h * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(l * 0xC2B2AE3D27D4EB4FL, 31);
        x ^= x >>> 29;
        return (int) x & MASK;
    }

    private boolean contains(long h, long l) {
        int s0 = slot(h, l);
        for (int t = 0; t < 2; t++) {
            long[] th = hi[t];
            long[] tl = lo[t];
            boolean[] tu = used[t];
            for (int s = s0; tu[s]; s = (s + 1) & MASK) {
                if (th[s] == h && tl[s] == l) {
                    return true;
                }
            }
        }
        return false;
    }

    private void insert(long start, long h, long l) {
        long epoch = start / EPOCH;
        if (epoch != currentEpoch) {
            if (epoch > currentEpoch + 1) {
                Arrays.fill(used[(int) ((epoch + 1) & 1)], false); // skipped an epoch: both stale
            }
            Arrays.fill(used[(int) (epoch & 1)], false);
            currentEpoch = epoch;
        }
        int t = (int) (epoch & 1);
        int s = slot(h, l);
        while (used[t][s]) {
            s = (s + 1) & MASK;
        }
        hi[t][s] = h;
        lo[t][s] = l;
        used[t][s] = true;
    }
}
