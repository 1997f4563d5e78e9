package org.otpi.appliance.entropy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The health tests written the slow, obvious way: one sample (or one bit) at a time, straight
 * from SP 800-90B section 4.4 and FIPS 140-2 section 4.9.1. The fast implementations must give
 * exactly these answers; tests only.
 */
final class NaiveHealthReference {
    private NaiveHealthReference() {
    }

    /** SP 800-90B 4.4.1: the index of the sample that completes a run of {@code cutoff} identical bytes, or -1. */
    static long repetitionCount(byte[] data, int cutoff) {
        int run = 0;
        int last = -1;
        for (int i = 0; i < data.length; i++) {
            int x = data[i] & 0xff;
            run = x == last ? run + 1 : 1;
            last = x;
            if (run >= cutoff) {
                return i;
            }
        }
        return -1;
    }

    /**
     * SP 800-90B 4.4.2, non-overlapping windows of {@code window} samples from sample 0: the
     * index of the sample at which the window's first value has occurred {@code cutoff} times, or -1.
     */
    static long adaptiveProportion(byte[] data, int window, int cutoff) {
        for (int start = 0; start < data.length; start += window) {
            byte first = data[start];
            int count = 0;
            for (int i = start; i < Math.min(data.length, start + window); i++) {
                if (data[i] == first && ++count >= cutoff) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * The repeated-window test as specified: in order of start index (at equal starts the lookup
     * first), a window starting at a multiple of 15 fails if it equals a stored window; windows
     * starting at multiples of 16 are stored unless all zero; a stored window stays while its
     * 4096-byte epoch (start / 4096) is the epoch of the latest stored window or the one before.
     * Returns the index of the byte completing the repeated window, or -1.
     */
    static long repeatedWindow(byte[] data) {
        int w = HealthParameters.REPEAT_WINDOW_BYTES;
        int epochBytes = HealthParameters.REPEAT_HISTORY_BYTES;
        List<long[]> stored = new ArrayList<>(); // {start}
        long latestEpoch = 0;
        for (int s = 0; s + w <= data.length; s++) {
            if (s % 15 == 0) {
                for (long[] e : stored) {
                    long epoch = e[0] / epochBytes;
                    if (epoch >= latestEpoch - 1
                            && Arrays.equals(data, (int) e[0], (int) e[0] + w, data, s, s + w)) {
                        return s + w - 1;
                    }
                }
            }
            if (s % 16 == 0) {
                boolean zero = true;
                for (int i = s; i < s + w; i++) {
                    zero &= data[i] == 0;
                }
                if (!zero) {
                    stored.add(new long[] {s});
                    long epoch = s / epochBytes;
                    latestEpoch = epoch;
                    stored.removeIf(e -> e[0] / epochBytes < epoch - 1);
                }
            }
        }
        return -1;
    }

    /** FIPS 140-2 statistics of one 20,000-bit block, bits most significant first, counted bit by bit. */
    record Block(int ones, long pokerSumSquares, int[][] runs, int longestRun) {
        /** Runs of bit b with length k (k = 1..5, 6 = six or more) at {@code runs[b][k - 1]}. */
        static Block of(byte[] data, int off) {
            int n = HealthParameters.FIPS_BLOCK_BYTES * 8;
            int ones = 0;
            int[] nibbles = new int[16];
            int[][] runs = new int[2][6];
            int longest = 0;
            int cur = -1;
            int len = 0;
            int nibble = 0;
            for (int i = 0; i < n; i++) {
                int bit = (data[off + i / 8] >>> (7 - i % 8)) & 1;
                ones += bit;
                nibble = (nibble << 1) | bit;
                if (i % 4 == 3) {
                    nibbles[nibble]++;
                    nibble = 0;
                }
                if (bit == cur) {
                    len++;
                } else {
                    if (cur >= 0) {
                        runs[cur][Math.min(len, 6) - 1]++;
                    }
                    cur = bit;
                    len = 1;
                }
                longest = Math.max(longest, len);
            }
            runs[cur][Math.min(len, 6) - 1]++;
            long squares = 0;
            for (int f : nibbles) {
                squares += (long) f * f;
            }
            return new Block(ones, squares, runs, longest);
        }

        /** The FIPS 140-2 standard bounds (change notice 1), with the poker statistic as computed in production. */
        boolean failsStandardBounds() {
            double poker = 16.0 / 5000.0 * pokerSumSquares - 5000.0;
            int[] low = {2315, 1114, 527, 240, 103, 103};
            int[] high = {2685, 1386, 723, 384, 209, 209};
            boolean fail = ones <= 9725 || ones >= 10275 || !(poker > 2.16 && poker < 46.17) || longestRun >= 26;
            for (int b = 0; b < 2; b++) {
                for (int k = 0; k < 6; k++) {
                    fail |= runs[b][k] < low[k] || runs[b][k] > high[k];
                }
            }
            return fail;
        }

        @Override
        public String toString() {
            return "Block[ones=" + ones + ", poker=" + pokerSumSquares + ", runs=" + Arrays.deepToString(runs)
                    + ", longest=" + longestRun + "]";
        }
    }
}
