package org.otpi.appliance.entropy;

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
    private int currentBit;
    private int runLength;
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
        int ones = 0;
        int[] nibbles = new int[16];
        for (byte x : block) {
            ones += Integer.bitCount(x & 0xff);
            nibbles[(x >>> 4) & 0xf]++;
            nibbles[x & 0xf]++;
        }
        long sumSquares = 0;
        for (int f : nibbles) {
            sumSquares += (long) f * f;
        }
        double poker = 16.0 / 5000.0 * sumSquares - 5000.0;
        countRuns();

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

    /** Counts runs of each bit value by length (1..5, 6+) and notes any run >= 26, over the block. */
    private void countRuns() {
        for (int[] r : runs) {
            java.util.Arrays.fill(r, 0);
        }
        longRun = false;
        currentBit = (block[0] >>> 7) & 1;
        runLength = 0;
        int n = block.length;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            long w = 0;
            for (int k = 0; k < 8; k++) {
                w = (w << 8) | (block[i + k] & 0xffL);
            }
            scan(w, 64);
        }
        if (i < n) {
            long w = 0;
            int bits = 0;
            for (; i < n; i++, bits += 8) {
                w = (w << 8) | (block[i] & 0xffL);
            }
            scan(w << (64 - bits), bits);
        }
        endRun();
    }

    /** Scans the top {@code nbits} bits of {@code w}, one loop turn per run boundary. */
    private void scan(long w, int nbits) {
        long v = currentBit == 1 ? ~w : w; // the current run shows as leading zeros
        int pos = 0;
        while (pos < nbits) {
            int lz = Long.numberOfLeadingZeros(v << pos);
            int run = Math.min(lz, nbits - pos);
            runLength += run;
            pos += run;
            if (pos < nbits) {
                endRun();
                currentBit ^= 1;
                v = ~v;
            }
        }
    }

    private void endRun() {
        if (runLength > 0) {
            runs[currentBit][Math.min(runLength, 6) - 1]++;
            if (runLength >= LONG_RUN) {
                longRun = true;
            }
        }
        runLength = 0;
    }
}
