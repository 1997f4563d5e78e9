package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * FIPS 140-2 (change notice 1) statistical tests on consecutive 20,000-bit blocks: monobit,
 * poker, runs and long run, with the standard bounds, plus a strict monobit bound derived
 * from alpha. Bits are taken most significant first within each byte. Not thread-safe.
 *
 * <p>A perfect source fails the standard bounds about once in 1,250 blocks, so one failure
 * only counts; {@link HealthParameters#FIPS_FAILS_TO_CUT} failures in the last
 * {@link HealthParameters#FIPS_WINDOW} blocks, or one strict-monobit failure, cut off.
 */
final class FipsBlockTests {
    static final int MONOBIT_LOW = 9725;   // pass if 9725 < ones < 10275
    static final int MONOBIT_HIGH = 10275;
    static final double POKER_LOW = 2.16;  // pass if 2.16 < X < 46.17
    static final double POKER_HIGH = 46.17;
    static final int LONG_RUN = 26;        // a run of 26 or more fails
    private static final int[] RUN_LOW = {2315, 1114, 527, 240, 103, 103};
    private static final int[] RUN_HIGH = {2685, 1386, 723, 384, 209, 209};

    private final int strictLow;
    private final int strictHigh;
    private final byte[] block = new byte[HealthParameters.FIPS_BLOCK_BYTES];
    private int filled;
    private int recentFailures; // bit i set = block (latest - i) failed
    private long blocks;
    private long failedBlocks;

    // per-block run state
    private final int[][] runs = new int[2][6];
    private boolean longRun;

    FipsBlockTests(HealthParameters p) {
        this.strictLow = p.strictMonobitLow();
        this.strictHigh = p.strictMonobitHigh();
    }

    /** Returns the failure that cuts the source off, with the offset in {@code b} of the block's last byte. */
    Verdict feed(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int n = Math.min(end - i, block.length - filled);
            System.arraycopy(b, i, block, filled, n);
            filled += n;
            i += n;
            if (filled == block.length) {
                filled = 0;
                String failure = testBlock();
                if (failure != null) {
                    return new Verdict(i - 1, failure);
                }
            }
        }
        return null;
    }

    record Verdict(int offset, String detail) {
    }

    long blocks() {
        return blocks;
    }

    /** Run counts of the last block tested, [bit][length-1], for tests. */
    int[][] lastRuns() {
        return new int[][] {runs[0].clone(), runs[1].clone()};
    }

    boolean lastLongRun() {
        return longRun;
    }

    private int lastOnes;
    private long lastSquares;

    int lastOnes() {
        return lastOnes;
    }

    long lastPokerSumSquares() {
        return lastSquares;
    }

    /** Tests one 2500-byte block in isolation (for tests); returns true if any FIPS test failed. */
    boolean blockFails(byte[] b) {
        System.arraycopy(b, 0, block, 0, block.length);
        long before = failedBlocks;
        testBlock();
        return failedBlocks > before;
    }

    long failedBlocks() {
        return failedBlocks;
    }

    /** Runs the four tests on {@link #block}; returns the reason to cut off, or null. */
    private String testBlock() {
        blocks++;
        int[] byValue = countRuns();
        int ones = 0;
        int[] nibbles = new int[16];
        for (int v = 0; v < 256; v++) {
            int c = byValue[v];
            ones += c * Integer.bitCount(v);
            nibbles[v >>> 4] += c;
            nibbles[v & 0xf] += c;
        }
        long sumSquares = 0;
        for (int f : nibbles) {
            sumSquares += (long) f * f;
        }
        double poker = 16.0 / 5000.0 * sumSquares - 5000.0;
        lastOnes = ones;
        lastSquares = sumSquares;

        if (ones <= strictLow || ones >= strictHigh) {
            failedBlocks++;
            return "strict monobit: " + ones + " ones in 20000 bits, bound (" + strictLow + ", " + strictHigh + ")";
        }
        StringBuilder failed = new StringBuilder();
        if (ones <= MONOBIT_LOW || ones >= MONOBIT_HIGH) {
            failed.append("monobit(").append(ones).append(") ");
        }
        if (!(poker > POKER_LOW && poker < POKER_HIGH)) {
            failed.append(String.format("poker(%.2f) ", poker));
        }
        for (int bit = 0; bit < 2; bit++) {
            for (int k = 0; k < 6; k++) {
                int c = runs[bit][k];
                if (c < RUN_LOW[k] || c > RUN_HIGH[k]) {
                    failed.append("runs(").append(bit).append('x').append(k + 1).append('=').append(c).append(") ");
                }
            }
        }
        if (longRun) {
            failed.append("long-run ");
        }
        recentFailures = (recentFailures << 1) & ((1 << HealthParameters.FIPS_WINDOW) - 1);
        if (failed.length() > 0) {
            failedBlocks++;
            recentFailures |= 1;
            int inWindow = Integer.bitCount(recentFailures);
            org.tinylog.Logger.tag("security").warn("FIPS 140-2 block {} failed: {}({} of last {} blocks)",
                    blocks, failed, inWindow, HealthParameters.FIPS_WINDOW);
            if (inWindow >= HealthParameters.FIPS_FAILS_TO_CUT) {
                return "FIPS 140-2: " + inWindow + " of the last " + HealthParameters.FIPS_WINDOW
                        + " blocks failed, last: " + failed.toString().trim();
            }
        }
        return null;
    }

    /** Per byte value: length of the run at its top (same bit as bit 7), 1..8. */
    private static final byte[] LEAD = new byte[256];
    /** Per byte value: length of the run at its bottom (same bit as bit 0), 1..8. */
    private static final byte[] TRAIL = new byte[256];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int WORDS = (HealthParameters.FIPS_BLOCK_BYTES + 7) / 8; // 313, the last half full

    static {
        for (int v = 0; v < 256; v++) {
            int top = v >>> 7;
            int lead = 1;
            while (lead < 8 && ((v >>> (7 - lead)) & 1) == top) {
                lead++;
            }
            int bottom = v & 1;
            int trail = 1;
            while (trail < 8 && ((v >>> trail) & 1) == bottom) {
                trail++;
            }
            LEAD[v] = (byte) lead;
            TRAIL[v] = (byte) trail;
        }
    }

    private final long[] ones = new long[WORDS + 1];   // the block's bits, most significant first; 0 past the end
    private final long[] zeros = new long[WORDS + 1];  // their complement, also 0 past the end

    /**
     * Counts runs of each bit value by length (1..5, 6+) and finds any run of 26 or more.
     *
     * <p>Runs: bit-parallel over 64-bit words. With g(k) = the number of runs of length >= k
     * = the number of positions i where bit i-1 differs (or i = 0) and bits i..i+k-1 are all
     * set, a run has length exactly k = g(k) - g(k+1) for k = 1..5, and 6+ = g(6). Computed for
     * the bits and their complement.
     *
     * <p>Long run: a run of 26 bits covers two whole bytes, so it is looked for, exactly, only
     * where two adjacent bytes are both 0x00 or both 0xFF (about 8% of good blocks).
     *
     * @return how often each byte value occurs in the block (for monobit and poker)
     */
    private int[] countRuns() {
        byte[] blk = block;
        int n = blk.length;
        int[] byValue = new int[256];
        boolean lr = false;
        int prev = -1;
        for (int i = 0; i < n; i++) {
            int v = blk[i] & 0xff;
            byValue[v]++;
            if (v == prev && (v == 0 || v == 0xff)) {
                lr |= runThrough(i) >= LONG_RUN;
            }
            prev = v;
        }
        int full = n / 8;
        for (int j = 0; j < full; j++) {
            long w = (long) LONGS.get(blk, 8 * j);
            ones[j] = w;
            zeros[j] = ~w;
        }
        if (full < WORDS) { // the last 4 bytes, in the top half of the word
            long w = 0;
            for (int i = 8 * full; i < n; i++) {
                w = (w << 8) | (blk[i] & 0xffL);
            }
            int bits = 8 * (n - 8 * full);
            w <<= 64 - bits;
            long valid = -1L << (64 - bits);
            ones[full] = w;
            zeros[full] = ~w & valid;
        }
        long[] g1 = new long[6];
        long[] g0 = new long[6];
        tally(ones, g1);
        tally(zeros, g0);
        for (int k = 0; k < 5; k++) {
            runs[1][k] = (int) (g1[k] - g1[k + 1]);
            runs[0][k] = (int) (g0[k] - g0[k + 1]);
        }
        runs[1][5] = (int) g1[5];
        runs[0][5] = (int) g0[5];
        longRun = lr;
        return byValue;
    }

    /** g[k-1] += runs of set bits of length >= k, k = 1..6, over {@code x} (0 past the end). */
    private static void tally(long[] x, long[] g) {
        long prev = 0;
        long c0 = 0, c1 = 0, c2 = 0, c3 = 0, c4 = 0, c5 = 0;
        for (int j = 0; j < WORDS; j++) {
            long w = x[j];
            long nx = x[j + 1];
            long start = w & ~((w >>> 1) | (prev << 63));
            long a = w;
            c0 += Long.bitCount(start);
            a &= (w << 1) | (nx >>> 63);
            c1 += Long.bitCount(start & a);
            a &= (w << 2) | (nx >>> 62);
            c2 += Long.bitCount(start & a);
            a &= (w << 3) | (nx >>> 61);
            c3 += Long.bitCount(start & a);
            a &= (w << 4) | (nx >>> 60);
            c4 += Long.bitCount(start & a);
            a &= (w << 5) | (nx >>> 59);
            c5 += Long.bitCount(start & a);
            prev = w;
        }
        g[0] += c0;
        g[1] += c1;
        g[2] += c2;
        g[3] += c3;
        g[4] += c4;
        g[5] += c5;
    }

    /** Length of the run through bytes i-1 and i, both 0x00 or both 0xFF. */
    private int runThrough(int i) {
        byte[] blk = block;
        byte u = blk[i];
        int bit = u & 1;
        int lo = i - 1;
        while (lo > 0 && blk[lo - 1] == u) {
            lo--;
        }
        int hi = i;
        while (hi + 1 < blk.length && blk[hi + 1] == u) {
            hi++;
        }
        int len = (hi - lo + 1) * 8;
        if (lo > 0 && (blk[lo - 1] & 1) == bit) {
            len += TRAIL[blk[lo - 1] & 0xff];
        }
        if (hi + 1 < blk.length && ((blk[hi + 1] & 0xff) >>> 7) == bit) {
            len += LEAD[blk[hi + 1] & 0xff];
        }
        return len;
    }
}
