package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * FIPS 140-2 (change notice 1) statistical tests on consecutive 20,000-bit blocks: monobit,
 * poker, runs and long run, with the standard bounds, plus a strict monobit bound derived from
 * alpha. Bits are taken most significant first within each byte. Judges blocks; what a failing
 * block means for the source is {@link FipsFailureRate}'s to decide. Not thread-safe.
 *
 * <p>How, per block, without visiting bits one at a time:
 * <ul>
 *   <li>monobit: {@code Long.bitCount} of 313 words;
 *   <li>poker: a histogram of the 2,500 byte values, folded into the 16 nibble counts;
 *   <li>runs: bit-parallel over 64-bit words. T marks the run starts (a bit that differs from
 *       the one before). With A(1) = T and A(k+1) = A(k) minus the positions whose run has a
 *       start again k bits later, A(k) holds the starts of runs of length k or more; its
 *       population counts (all of it, and where the bit is 1) give the runs of each bit with
 *       length exactly k = A(k) - A(k+1), and 6 or more = A(6). Runs alternate, so the runs of
 *       ones of any length are half of all runs, rounded up if the block starts with a 1;
 *   <li>long run: a run of 26 equal bits holds 25 positions without a start, so two whole
 *       aligned bytes of T are zero; only where that happens (about 4% of good blocks) is the
 *       run measured exactly.
 * </ul>
 * The results equal the bit-by-bit definition exactly; tests check that against a reference.
 */
final class FipsBlockTests {
    /** Failed tests of a block, as bits. A strict monobit failure is also a monobit failure. */
    static final int STRICT_MONOBIT = 1;
    static final int MONOBIT = 2;
    static final int POKER = 4;
    static final int RUNS = 8;
    static final int LONG_RUN = 16;

    static final int MONOBIT_LOW = 9725;   // pass if 9725 < ones < 10275
    static final int MONOBIT_HIGH = 10275;
    /** Poker X = 16/5000 * S - 5000 with S the sum of squared nibble counts; pass if 2.16 < X < 46.17, in integers. */
    static final long POKER_LOW_16S = 25_000_000L + 10_800;  // pass if 16 S > this
    static final long POKER_HIGH_16S = 25_000_000L + 230_850; // and 16 S < this
    static final int LONG_RUN_BITS = 26;   // a run of 26 or more fails
    private static final int[] RUN_LOW = {2315, 1114, 527, 240, 103, 103};
    private static final int[] RUN_HIGH = {2685, 1386, 723, 384, 209, 209};

    private static final int BLOCK = HealthParameters.FIPS_BLOCK_BYTES;
    private static final int FULL_WORDS = BLOCK / 8;      // 312
    private static final int WORDS = (BLOCK + 7) / 8;     // 313, the last half full
    private static final VarHandle BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final long ONES_L = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** Receives each block's result in order. */
    interface Results {
        /**
         * @param failed the {@code STRICT_MONOBIT | MONOBIT | ...} bits of the tests the block failed, 0 if none
         * @return true to stop: the source is cut off at this block
         */
        boolean block(int failed);
    }

    private final int strictLow;
    private final int strictHigh;
    private final byte[] partial = new byte[BLOCK];
    private int filled;

    private final long[] x = new long[WORDS + 1]; // the block's bits, most significant first; 0 past the end
    private final long[] t = new long[WORDS + 1]; // run starts; 1 at and past the end
    private final int[] histogram = new int[256];
    private final int[] nibbles = new int[16];

    // the last block's figures, for messages and tests
    private int ones;
    private long squares;
    private final int[][] runs = new int[2][6];
    private boolean longRun;

    FipsBlockTests(HealthParameters p) {
        this.strictLow = p.strictMonobitLow();
        this.strictHigh = p.strictMonobitHigh();
    }

    /**
     * Tests every block completed by {@code b[off, off + len)}, in order, handing each result to
     * {@code results}; stops at the first block it says to stop at.
     *
     * @return the offset in {@code b} of that block's last byte, or -1
     */
    int feed(byte[] b, int off, int len, Results results) {
        int i = off;
        int end = off + len;
        if (filled > 0) {
            int n = Math.min(end - i, BLOCK - filled);
            System.arraycopy(b, i, partial, filled, n);
            filled += n;
            i += n;
            if (filled < BLOCK) {
                return -1;
            }
            filled = 0;
            if (results.block(test(partial, 0))) {
                return i - 1;
            }
        }
        for (; end - i >= BLOCK; i += BLOCK) {
            if (results.block(test(b, i))) {
                return i + BLOCK - 1;
            }
        }
        System.arraycopy(b, i, partial, 0, end - i);
        filled = end - i;
        return -1;
    }

    /** Tests one 2500-byte block on its own (for tests); returns true if it failed any test. */
    boolean blockFails(byte[] b) {
        return test(b, 0) != 0;
    }

    int lastOnes() {
        return ones;
    }

    long lastPokerSumSquares() {
        return squares;
    }

    /** Run counts of the last block tested, [bit][length-1], for tests. */
    int[][] lastRuns() {
        return new int[][] {runs[0].clone(), runs[1].clone()};
    }

    boolean lastLongRun() {
        return longRun;
    }

    /** What the last block failed, in words (for the cut-off message). */
    String describeLast(int failed) {
        StringBuilder s = new StringBuilder();
        if ((failed & STRICT_MONOBIT) != 0) {
            return "strict monobit: " + ones + " ones in 20000 bits, bound (" + strictLow + ", " + strictHigh + ")";
        }
        if ((failed & MONOBIT) != 0) {
            s.append("monobit(").append(ones).append(") ");
        }
        if ((failed & POKER) != 0) {
            s.append(String.format("poker(%.2f) ", 16.0 / 5000.0 * squares - 5000.0));
        }
        for (int bit = 0; bit < 2; bit++) {
            for (int k = 0; k < 6; k++) {
                int c = runs[bit][k];
                if (c < RUN_LOW[k] || c > RUN_HIGH[k]) {
                    s.append("runs(").append(bit).append('x').append(k + 1).append('=').append(c).append(") ");
                }
            }
        }
        if ((failed & LONG_RUN) != 0) {
            s.append("long-run ");
        }
        return s.toString().trim();
    }

    /** Tests the block at {@code a[o, o + 2500)}; returns the failed-test bits. */
    private int test(byte[] a, int o) {
        countBytes(a, o);
        loadWords(a, o);
        countRuns();
        longRun = findLongRun();

        int failed = 0;
        if (ones <= strictLow || ones >= strictHigh) {
            failed |= STRICT_MONOBIT;
        }
        if (ones <= MONOBIT_LOW || ones >= MONOBIT_HIGH) {
            failed |= MONOBIT;
        }
        long s16 = 16 * squares;
        if (!(s16 > POKER_LOW_16S && s16 < POKER_HIGH_16S)) {
            failed |= POKER;
        }
        for (int bit = 0; bit < 2; bit++) {
            for (int k = 0; k < 6; k++) {
                int c = runs[bit][k];
                if (c < RUN_LOW[k] || c > RUN_HIGH[k]) {
                    failed |= RUNS;
                }
            }
        }
        if (longRun) {
            failed |= LONG_RUN;
        }
        return failed;
    }

    /** Poker: byte histogram, folded to nibble counts and their sum of squares; clears the histogram. */
    private void countBytes(byte[] a, int o) {
        int[] h = histogram;
        for (int i = o, end = o + BLOCK; i < end; i++) {
            h[a[i] & 0xff]++;
        }
        int[] f = nibbles;
        java.util.Arrays.fill(f, 0);
        for (int hi = 0; hi < 16; hi++) {
            int row = 0;
            for (int lo = 0; lo < 16; lo++) {
                int c = h[16 * hi + lo];
                h[16 * hi + lo] = 0;
                row += c;
                f[lo] += c;
            }
            f[hi] += row;
        }
        long s = 0;
        for (int c : f) {
            s += (long) c * c;
        }
        squares = s;
    }

    /** The block as 64-bit words (x), run starts (t), and monobit. */
    private void loadWords(byte[] a, int o) {
        long[] x = this.x;
        long[] t = this.t;
        int count = 0;
        long prev = ((long) BE.get(a, o) >>> 63) ^ 1; // the bit "before" bit 0 differs from it: bit 0 starts a run
        for (int j = 0; j < FULL_WORDS; j++) {
            long w = (long) BE.get(a, o + 8 * j);
            x[j] = w;
            t[j] = w ^ ((w >>> 1) | (prev << 63));
            count += Long.bitCount(w);
            prev = w;
        }
        // the last 4 bytes, in the top half of the word; past the end: 0 bits, every position a start
        long w = (long) (a[o + 8 * FULL_WORDS] & 0xff) << 56 | (long) (a[o + 8 * FULL_WORDS + 1] & 0xff) << 48
                | (long) (a[o + 8 * FULL_WORDS + 2] & 0xff) << 40 | (long) (a[o + 8 * FULL_WORDS + 3] & 0xff) << 32;
        x[FULL_WORDS] = w;
        t[FULL_WORDS] = (w ^ ((w >>> 1) | (prev << 63))) | 0xFFFFFFFFL;
        count += Long.bitCount(w);
        x[WORDS] = 0;
        t[WORDS] = -1L;
        ones = count;
    }

    /**
     * Runs of each bit by length. g(k) = starts of runs of length >= k, over all bits and over
     * the ones; exactly k = g(k) - g(k+1).
     */
    private void countRuns() {
        long[] x = this.x;
        long[] t = this.t;
        long a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0; // starts, either bit
        long o2 = 0, o3 = 0, o4 = 0, o5 = 0, o6 = 0; // starts of runs of ones
        long tc = t[0];
        for (int j = 0; j < WORDS; j++) {
            long w = x[j];
            long tn = t[j + 1];
            long a = tc;
            a1 += Long.bitCount(a);
            a &= ~((tc << 1) | (tn >>> 63));
            a2 += Long.bitCount(a);
            o2 += Long.bitCount(a & w);
            a &= ~((tc << 2) | (tn >>> 62));
            a3 += Long.bitCount(a);
            o3 += Long.bitCount(a & w);
            a &= ~((tc << 3) | (tn >>> 61));
            a4 += Long.bitCount(a);
            o4 += Long.bitCount(a & w);
            a &= ~((tc << 4) | (tn >>> 60));
            a5 += Long.bitCount(a);
            o5 += Long.bitCount(a & w);
            a &= ~((tc << 5) | (tn >>> 59));
            a6 += Long.bitCount(a);
            o6 += Long.bitCount(a & w);
            tc = tn;
        }
        a1 -= 32; // the 32 positions past the end of the last word counted as starts of 0-runs of length 1
        long o1 = (a1 + (x[0] >>> 63)) >>> 1; // runs alternate from bit 0's: ones have half, rounded up if first
        int[] r1 = runs[1];
        int[] r0 = runs[0];
        r1[0] = (int) (o1 - o2);
        r1[1] = (int) (o2 - o3);
        r1[2] = (int) (o3 - o4);
        r1[3] = (int) (o4 - o5);
        r1[4] = (int) (o5 - o6);
        r1[5] = (int) o6;
        r0[0] = (int) ((a1 - o1) - (a2 - o2));
        r0[1] = (int) ((a2 - o2) - (a3 - o3));
        r0[2] = (int) ((a3 - o3) - (a4 - o4));
        r0[3] = (int) ((a4 - o4) - (a5 - o5));
        r0[4] = (int) ((a5 - o5) - (a6 - o6));
        r0[5] = (int) (a6 - o6);
    }

    /**
     * Long run: looks for two adjacent whole bytes of t that are zero (16 positions without a
     * run start; every run of 26 or more holds such a pair) and measures the run through each
     * such pair exactly. Good blocks have a pair about once in 25.
     */
    private boolean findLongRun() {
        long[] t = this.t;
        long any = 0;
        for (int j = 0; j < WORDS; j++) {
            long z = t[j] | (t[j] << 8) | (t[j + 1] >>> 56); // byte k: t's bytes k and k+1 (of the stream) together
            any |= (z - ONES_L) & ~z & HIGHS;               // nonzero iff some byte of z is zero
        }
        if (any == 0) {
            return false;
        }
        for (int j = 0; j < WORDS; j++) {
            long z = t[j] | (t[j] << 8) | (t[j + 1] >>> 56);
            if (((z - ONES_L) & ~z & HIGHS) == 0) {
                continue;
            }
            for (int k = 0; k < 8; k++) {
                if ((z >>> (56 - 8 * k) & 0xff) == 0) {
                    int q = 64 * j + 8 * k; // no run starts at q .. q + 15
                    if (nextStart(q + 1) - previousStart(q) >= LONG_RUN_BITS) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The last run start at or before bit position {@code pos} (position 0 is one). */
    private int previousStart(int pos) {
        int j = pos >>> 6;
        long v = t[j] & (-1L << (63 - (pos & 63)));
        while (v == 0) {
            v = t[--j];
        }
        return 64 * j + 63 - Long.numberOfTrailingZeros(v);
    }

    /** The first run start at or after bit position {@code pos} (every position from 20,000 on is one). */
    private int nextStart(int pos) {
        int j = pos >>> 6;
        long v = t[j] & (-1L >>> (pos & 63));
        while (v == 0) {
            v = t[++j];
        }
        return 64 * j + Long.numberOfLeadingZeros(v);
    }
}
