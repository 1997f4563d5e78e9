package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property tests: the word- and table-based health tests give exactly the answers of the
 * one-sample-at-a-time reference ({@link NaiveHealthReference}) on random, biased, stuck and
 * planted inputs, at the cut-offs and thresholds, whatever the read sizes. Seeded; every
 * mismatch is collected and reported with its trial.
 */
class HealthTestsMatchNaiveReferenceTest {
    private static final HealthParameters P = HealthParameters.DEFAULT;
    private static final int BLOCK = HealthParameters.FIPS_BLOCK_BYTES;

    /** Feeds {@code data} in random read sizes (often tiny, sometimes large); returns the absolute failure index or -1. */
    private interface Feeder {
        long feed(byte[] b, int off, int len, long base); // absolute index, or -1
    }

    private static long feedChunked(byte[] data, long seed, Feeder f) {
        SplittableRandom r = new SplittableRandom(seed);
        int i = 0;
        while (i < data.length) {
            int max = switch (r.nextInt(3)) {
                case 0 -> 17;
                case 1 -> 3000;
                default -> 70_000;
            };
            int n = Math.min(data.length - i, 1 + r.nextInt(max));
            // copy into a larger array at a random offset, so word loads meet every alignment
            int pad = r.nextInt(16);
            byte[] b = new byte[pad + n + r.nextInt(16)];
            r.nextBytes(b);
            System.arraycopy(data, i, b, pad, n);
            long at = f.feed(b, pad, n, i);
            if (at >= 0) {
                return at;
            }
            i += n;
        }
        return -1;
    }

    private static byte[] good(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    /** Bytes whose bits are 1 with probability p. */
    private static byte[] biased(SplittableRandom r, int n, double p) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int x = 0;
            for (int bit = 0; bit < 8; bit++) {
                x = (x << 1) | (r.nextDouble() < p ? 1 : 0);
            }
            b[i] = (byte) x;
        }
        return b;
    }

    /**
     * Random data, random biased data, or data from a small alphabet, with byte runs shorter than
     * {@code cutoff} planted, and in about half the inputs one run of {@code cutoff} or one more.
     */
    private static byte[] withPlantedByteRuns(SplittableRandom r, int n, int cutoff, int runs) {
        byte[] b = switch (r.nextInt(4)) {
            case 0 -> biased(r, n, 0.3 + 0.4 * r.nextDouble());
            case 1 -> {
                byte[] x = good(r, n);
                for (int i = 0; i < n; i++) {
                    x[i] = (byte) (x[i] & 3); // four values: runs of 2-5 are common
                }
                yield x;
            }
            default -> good(r, n);
        };
        for (int k = 0; k < runs + 1; k++) {
            int len = k == runs ? (r.nextBoolean() ? 0 : cutoff + r.nextInt(2)) : Math.max(1, cutoff - 1 - r.nextInt(3));
            if (len > 0 && len < n) {
                int at = r.nextInt(n - len);
                Arrays.fill(b, at, at + len, (byte) r.nextInt(256));
            }
        }
        return b;
    }

    @Test
    void repetitionCount_equalsNaive_onRandomBiasedStuckAndPlantedRuns_anyReadSizes() {
        SplittableRandom r = new SplittableRandom(0x5EED01);
        List<String> mismatches = new ArrayList<>();
        int failures = 0;
        for (int trial = 0; trial < 600; trial++) {
            int cutoff = trial % 5 == 0 ? 2 + r.nextInt(20) : P.rctCutoff();
            byte[] data = withPlantedByteRuns(r, 1 + r.nextInt(60_000), cutoff, r.nextInt(30));
            long expected = NaiveHealthReference.repetitionCount(data, cutoff);
            RepetitionCountTest t = new RepetitionCountTest(cutoff);
            long actual = feedChunked(data, trial, (b, off, len, base) -> {
                int at = t.feed(b, off, len);
                return at < 0 ? -1 : base + at - off;
            });
            if (expected >= 0) {
                failures++;
            }
            if (expected != actual) {
                mismatches.add("trial " + trial + " cutoff " + cutoff + ": expected " + expected + ", got " + actual);
            }
        }
        assertEquals(List.of(), mismatches);
        assertTrue(failures > 150 && failures < 500, "the inputs must exercise both outcomes: " + failures);
    }

    /** Windows in which the first value occurs a chosen number of times (often just below or at the cut-off). */
    private static byte[] aptWindows(SplittableRandom r, int n, int cutoff) {
        int w = HealthParameters.APT_WINDOW;
        byte[] b = good(r, n);
        for (int start = 0; start < n; start += w) {
            int end = Math.min(n, start + w);
            byte first = b[start];
            for (int i = start + 1; i < end; i++) {
                if (b[i] == first) {
                    b[i] ^= 0x40; // remove chance matches, then plant an exact count
                }
            }
            int count = switch (r.nextInt(40)) {
                case 0 -> cutoff;
                case 1, 2, 3, 4, 5, 6, 7, 8 -> cutoff - 1;
                case 9, 10, 11 -> cutoff - 2;
                default -> r.nextInt(cutoff);
            };
            int[] places = end - start < 2 ? new int[0]
                    : r.ints(start + 1, end).distinct().limit(Math.max(0, Math.min(count - 1, end - start - 1))).toArray();
            for (int at : places) {
                b[at] = first;
            }
        }
        return b;
    }

    @Test
    void adaptiveProportion_equalsNaive_atAndAroundTheCutoff_anyReadSizes() {
        SplittableRandom r = new SplittableRandom(0x5EED02);
        List<String> mismatches = new ArrayList<>();
        int failures = 0;
        for (int trial = 0; trial < 600; trial++) {
            int cutoff = trial % 4 == 0 ? 2 + r.nextInt(200) : P.aptCutoff();
            int n = 1 + r.nextInt(40_000);
            byte[] data = switch (trial % 3) {
                case 0 -> withPlantedByteRuns(r, n, 12, r.nextInt(40));
                default -> aptWindows(r, n, cutoff);
            };
            long expected = NaiveHealthReference.adaptiveProportion(data, HealthParameters.APT_WINDOW, cutoff);
            AdaptiveProportionTest t = new AdaptiveProportionTest(cutoff);
            long actual = feedChunked(data, trial, (b, off, len, base) -> {
                int at = t.feed(b, off, len);
                return at < 0 ? -1 : base + at - off;
            });
            if (expected >= 0) {
                failures++;
            }
            if (expected != actual) {
                mismatches.add("trial " + trial + " cutoff " + cutoff + ": expected " + expected + ", got " + actual);
            }
        }
        assertEquals(List.of(), mismatches);
        assertTrue(failures > 150 && failures < 500, "the inputs must exercise both outcomes: " + failures);
    }

    @Test
    void repeatedWindow_equalsNaive_forPeriodsAroundTheHistory_zeroWindowsAndEpochEdges() {
        SplittableRandom r = new SplittableRandom(0x5EED03);
        List<String> mismatches = new ArrayList<>();
        int failures = 0;
        for (int trial = 0; trial < 250; trial++) {
            int n = 16 + r.nextInt(30_000);
            byte[] data = good(r, n);
            switch (trial % 5) {
                case 0 -> { // periodic from s on, period around the 4096-byte history
                    int period = 3800 + r.nextInt(700);
                    int s = r.nextInt(n);
                    for (int i = s + period; i < n; i++) {
                        data[i] = data[i - period];
                    }
                }
                case 1 -> { // any period
                    int period = 1 + r.nextInt(9000);
                    int s = r.nextInt(n);
                    for (int i = s + period; i < n; i++) {
                        data[i] = data[i - period];
                    }
                }
                case 2 -> { // single copied windows at chosen distances, some of them all-zero
                    for (int k = 0; k < 6; k++) {
                        int len = 16 + r.nextInt(20);
                        int from = r.nextInt(Math.max(1, n - len));
                        int to = Math.min(n - len, from + r.nextInt(9000));
                        if (to < 0) {
                            break;
                        }
                        if (r.nextInt(3) == 0) {
                            Arrays.fill(data, from, from + len, (byte) 0);
                        }
                        System.arraycopy(data, from, data, to, len);
                    }
                }
                case 3 -> { // long zero stretches (never stored) with random data between
                    for (int k = 0; k < 4; k++) {
                        int at = r.nextInt(n);
                        Arrays.fill(data, at, Math.min(n, at + r.nextInt(200)), (byte) 0);
                    }
                }
                default -> {
                    // random data only: no repeat
                }
            }
            long expected = NaiveHealthReference.repeatedWindow(data);
            RepeatedWindowTest t = new RepeatedWindowTest();
            long actual = feedChunked(data, trial, (b, off, len, base) -> t.feed(b, off, len));
            if (expected >= 0) {
                failures++;
            }
            if (expected != actual) {
                mismatches.add("trial " + trial + ": expected " + expected + ", got " + actual);
            }
        }
        assertEquals(List.of(), mismatches);
        assertTrue(failures > 40 && failures < 220, "the inputs must exercise both outcomes: " + failures);
    }

    private static String compareBlock(FipsBlockTests t, byte[] block, String what) {
        NaiveHealthReference.Block expected = NaiveHealthReference.Block.of(block, 0);
        boolean fails = t.blockFails(block);
        NaiveHealthReference.Block actual = new NaiveHealthReference.Block(t.lastOnes(), t.lastPokerSumSquares(),
                t.lastRuns(), t.lastLongRun() ? 26 : 0);
        boolean same = expected.ones() == actual.ones() && expected.pokerSumSquares() == actual.pokerSumSquares()
                && Arrays.deepEquals(expected.runs(), actual.runs())
                && (expected.longestRun() >= 26) == t.lastLongRun()
                && expected.failsStandardBounds() == fails;
        return same ? null : what + ": expected " + expected + " fails=" + expected.failsStandardBounds()
                + ", got " + actual + " fails=" + fails;
    }

    /** Sets bits [at, at + len) of the block to {@code bit}, most significant bit first. */
    private static void plantBits(byte[] block, int at, int len, int bit) {
        for (int i = at; i < at + len; i++) {
            int mask = 0x80 >>> (i & 7);
            block[i >>> 3] = (byte) (bit == 1 ? block[i >>> 3] | mask : block[i >>> 3] & ~mask);
        }
    }

    @Test
    void fipsBlock_equalsBitByBitCounts_onRandomBiasedPlantedRunsAndUniformBytes() {
        SplittableRandom r = new SplittableRandom(0x5EED04);
        FipsBlockTests t = new FipsBlockTests(P);
        List<String> mismatches = new ArrayList<>();
        int failing = 0;
        for (int trial = 0; trial < 3000; trial++) {
            byte[] block = switch (trial % 6) {
                case 0 -> biased(r, BLOCK, 0.47 + 0.06 * r.nextDouble());
                case 1 -> { // many uniform bytes: runs through 0x00 / 0xFF chains
                    byte[] b = good(r, BLOCK);
                    for (int k = 0; k < 200; k++) {
                        int at = r.nextInt(BLOCK - 6);
                        Arrays.fill(b, at, at + 1 + r.nextInt(5), (byte) (r.nextBoolean() ? 0 : 0xff));
                    }
                    yield b;
                }
                case 2 -> new byte[][] {new byte[BLOCK], filled(0xff), filled(0x55), filled(0xaa), filled(0x0f),
                        filled(0x80)}[r.nextInt(6)];
                default -> good(r, BLOCK);
            };
            // runs of 1..40 equal bits at arbitrary bit offsets: across bytes, words, the block's two ends
            int planted = r.nextInt(5);
            for (int k = 0; k < planted; k++) {
                int len = 1 + r.nextInt(40);
                int at = switch (r.nextInt(5)) {
                    case 0 -> 0;
                    case 1 -> BLOCK * 8 - len;
                    case 2 -> 64 * r.nextInt(BLOCK / 8) - r.nextInt(len); // straddling a 64-bit word boundary
                    default -> r.nextInt(BLOCK * 8 - len);
                };
                plantBits(block, Math.max(0, Math.min(at, BLOCK * 8 - len)), len, r.nextInt(2));
            }
            String m = compareBlock(t, block, "trial " + trial);
            if (m != null) {
                mismatches.add(m);
            }
            failing += t.blockFails(block) ? 1 : 0;
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())));
        assertTrue(failing > 300 && failing < 2900, "the inputs must exercise both verdicts: " + failing);
    }

    /**
     * The runs and long-run counts where a byte- or word-wise implementation can go wrong: runs
     * of 1..40 bits (6, 25, 26 among them) starting at every bit of a byte and ending at every
     * bit of the next, across 64-bit words and at both ends of the block, with the neighbours
     * forced to the other bit so the run has exactly that length; runs through chains of 0x00 and
     * 0xFF bytes; blocks made of bytes whose runs touch their edges (0x00, 0xFF, 0x80, 0x7F, ...).
     */
    @Test
    void fipsRuns_equalBitByBit_acrossByteWordAndBlockEdges_andThroughUniformBytes() {
        SplittableRandom r = new SplittableRandom(0x5EED07);
        FipsBlockTests t = new FipsBlockTests(P);
        List<String> mismatches = new ArrayList<>();
        int blocks = 0;
        int longRuns = 0;
        int[] lengths = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16, 17, 22, 24, 25, 26, 27, 30, 33, 40};
        for (int len : lengths) {
            for (int shift = 0; shift < 16; shift++) {
                // start at bit shift of byte 0 or of a byte near the block's end, or ending at every bit of
                // the byte or word before a 64-bit word boundary
                int[] starts = {shift, 8 * 37 + shift, 64 * 150 - len + shift - 8, 64 * 311 + shift,
                    BLOCK * 8 - len - shift, 8 * (BLOCK - 4) + shift - len};
                for (int at : starts) {
                    if (at < 0 || at + len > BLOCK * 8) {
                        continue;
                    }
                    byte[] b = switch (r.nextInt(3)) {
                        case 0 -> good(r, BLOCK);
                        case 1 -> edgyBytes(r);
                        default -> new byte[BLOCK];
                    };
                    int bit = r.nextInt(2);
                    plantBits(b, at, len, bit);
                    if (at > 0) {
                        plantBits(b, at - 1, 1, 1 - bit);
                    }
                    if (at + len < BLOCK * 8) {
                        plantBits(b, at + len, 1, 1 - bit);
                    }
                    String m = compareBlock(t, b, "run of " + len + " at bit " + at);
                    if (m != null) {
                        mismatches.add(m);
                    }
                    blocks++;
                    longRuns += t.lastLongRun() ? 1 : 0;
                }
            }
        }
        // whole blocks of one byte value, and of runs of 0x00 / 0xFF bytes of every length from 1 to 5 bytes
        for (int v : new int[] {0x00, 0xff, 0x80, 0x01, 0x7f, 0xfe, 0xc0, 0x03, 0x3f, 0xfc, 0x0f, 0xf0, 0x55}) {
            String m = compareBlock(t, filled(v), "filled " + Integer.toHexString(v));
            if (m != null) {
                mismatches.add(m);
            }
            blocks++;
        }
        for (int trial = 0; trial < 400; trial++) {
            byte[] b = edgyBytes(r);
            String m = compareBlock(t, b, "edge bytes " + trial);
            if (m != null) {
                mismatches.add(m);
            }
            blocks++;
            longRuns += t.lastLongRun() ? 1 : 0;
        }
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " of " + blocks);
        assertTrue(longRuns > 100 && longRuns < blocks - 100, "both long-run verdicts: " + longRuns + " of " + blocks);
    }

    /**
     * A block of chains of 0x00 / 0xFF bytes (1..5 long) and bytes whose runs touch their edges
     * (0x80, 0x01, 0x7F, 0xFE, 0xC0, ...), with some random bytes: runs go through and across
     * byte boundaries all the time, and often reach 6, 25 and 26 bits.
     */
    private static byte[] edgyBytes(SplittableRandom r) {
        int[] edgy = {0x80, 0x01, 0x7f, 0xfe, 0xc0, 0x03, 0x3f, 0xfc, 0xe0, 0x07, 0x1f, 0xf8, 0xf0, 0x0f};
        byte[] b = new byte[BLOCK];
        for (int i = 0; i < BLOCK; ) {
            int kind = r.nextInt(4);
            if (kind == 0) {
                int n = Math.min(BLOCK - i, 1 + r.nextInt(5));
                Arrays.fill(b, i, i + n, (byte) (r.nextBoolean() ? 0 : 0xff));
                i += n;
            } else if (kind == 1) {
                b[i++] = (byte) r.nextInt(256);
            } else {
                b[i++] = (byte) edgy[r.nextInt(edgy.length)];
            }
        }
        return b;
    }

    /** Adds {@code diff} runs over the lengths other than {@code skip}, in the proportions of good data. */
    private static void spread(int[] counts, int diff, int skip) {
        double[] weight = {1 / 2.0, 1 / 4.0, 1 / 8.0, 1 / 16.0, 1 / 32.0, 1 / 32.0};
        double total = 0;
        for (int j = 0; j < 6; j++) {
            total += j == skip ? 0 : weight[j];
        }
        int given = 0;
        int first = skip == 0 ? 1 : 0;
        for (int j = 0; j < 6; j++) {
            if (j != skip && j != first) {
                int share = (int) Math.round(diff * weight[j] / total);
                counts[j] += share;
                given += share;
            }
        }
        counts[first] += diff - given;
    }

    private static byte[] filled(int v) {
        byte[] b = new byte[BLOCK];
        Arrays.fill(b, (byte) v);
        return b;
    }

    /** A block with exactly {@code ones} one-bits: random bits flipped from a random block until the count is right. */
    private static byte[] withOnes(SplittableRandom r, int ones) {
        byte[] b = good(r, BLOCK);
        int have = 0;
        for (byte x : b) {
            have += Integer.bitCount(x & 0xff);
        }
        while (have != ones) {
            int i = r.nextInt(BLOCK * 8);
            int mask = 0x80 >>> (i & 7);
            boolean set = (b[i >>> 3] & mask) != 0;
            if (set && have > ones) {
                b[i >>> 3] &= (byte) ~mask;
                have--;
            } else if (!set && have < ones) {
                b[i >>> 3] |= (byte) mask;
                have++;
            }
        }
        return b;
    }

    /** A block whose 5000 nibbles have frequencies with sum of squares exactly {@code target}, in random order. */
    private static byte[] withPokerSquares(SplittableRandom r, long target) {
        int[] f = new int[16];
        Arrays.fill(f, 312);
        for (int i = 0; i < 8; i++) {
            f[i]++;
        }
        long squares = 0;
        for (int x : f) {
            squares += (long) x * x;
        }
        // move single nibbles between values: each move changes the sum of squares by 2(f_i - f_j + 1)
        while (squares != target) {
            int i = r.nextInt(16);
            int j = r.nextInt(16);
            if (i == j || f[j] == 0) {
                continue;
            }
            long delta = 2L * (f[i] - f[j] + 1);
            long next = squares + delta;
            if (Math.abs(target - next) < Math.abs(target - squares) || (delta != 0 && Math.abs(target - next) <= 2 && r.nextInt(4) == 0)) {
                f[i]++;
                f[j]--;
                squares = next;
            }
        }
        int[] nibbles = new int[5000];
        int k = 0;
        for (int v = 0; v < 16; v++) {
            for (int c = 0; c < f[v]; c++) {
                nibbles[k++] = v;
            }
        }
        for (int i = nibbles.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int tmp = nibbles[i];
            nibbles[i] = nibbles[j];
            nibbles[j] = tmp;
        }
        byte[] b = new byte[BLOCK];
        for (int i = 0; i < BLOCK; i++) {
            b[i] = (byte) (nibbles[2 * i] << 4 | nibbles[2 * i + 1]);
        }
        return b;
    }

    /**
     * A block built from runs: bit b has {@code counts[b][k-1]} runs of length k (k = 1..5) and
     * {@code counts[b][5]} runs of 6..25 bits, the lengths of the long ones chosen to fill 20,000
     * bits; runs of each bit in random order, alternating. Null if the counts cannot fill a block.
     */
    private static byte[] fromRuns(SplittableRandom r, int[][] counts) {
        List<List<Integer>> byBit = new ArrayList<>();
        int fixed = 0;
        int longRuns = counts[0][5] + counts[1][5];
        for (int b = 0; b < 2; b++) {
            List<Integer> runs = new ArrayList<>();
            for (int k = 1; k <= 5; k++) {
                for (int c = 0; c < counts[b][k - 1]; c++) {
                    runs.add(k);
                    fixed += k;
                }
            }
            byBit.add(runs);
        }
        int rest = BLOCK * 8 - fixed;
        if (rest < 6 * longRuns || rest > 25 * longRuns) {
            return null;
        }
        int[] longLengths = new int[longRuns];
        Arrays.fill(longLengths, 6);
        rest -= 6 * longRuns;
        while (rest > 0) {
            int i = r.nextInt(longRuns);
            if (longLengths[i] < 25) {
                longLengths[i]++;
                rest--;
            }
        }
        int li = 0;
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < counts[b][5]; c++) {
                byBit.get(b).add(longLengths[li++]);
            }
            List<Integer> runs = byBit.get(b);
            for (int i = runs.size() - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                runs.set(i, runs.set(j, runs.get(i)));
            }
        }
        int n0 = byBit.get(0).size();
        int n1 = byBit.get(1).size();
        if (Math.abs(n0 - n1) > 1) {
            return null;
        }
        int bit = n0 > n1 ? 0 : n1 > n0 ? 1 : r.nextInt(2);
        byte[] block = new byte[BLOCK];
        int pos = 0;
        int[] next = new int[2];
        while (next[0] < n0 || next[1] < n1) {
            int len = byBit.get(bit).get(next[bit]++);
            plantBits(block, pos, len, bit);
            pos += len;
            bit ^= 1;
        }
        return block;
    }

    @Test
    void fipsBlock_equalsBitByBit_atExactMonobitPokerRunsAndLongRunThresholds() {
        SplittableRandom r = new SplittableRandom(0x5EED05);
        FipsBlockTests t = new FipsBlockTests(P);
        List<String> mismatches = new ArrayList<>();
        List<byte[]> blocks = new ArrayList<>();
        // monobit: the strict and the standard bounds, each side
        for (int ones : new int[] {P.strictMonobitLow() - 1, P.strictMonobitLow(), P.strictMonobitLow() + 1, 9725, 9726,
                10274, 10275, P.strictMonobitHigh() - 1, P.strictMonobitHigh(), P.strictMonobitHigh() + 1}) {
            blocks.add(withOnes(r, ones));
        }
        // poker: X = 16/5000 * S - 5000 passes for 2.16 < X < 46.17, i.e. 1,563,175 < S <= 1,576,928; S is even
        // (S = sum of f^2 has the parity of sum of f = 5000), so the edges are 1,563,174 | 1,563,176 and 1,576,928 | 1,576,930
        for (long s : new long[] {1_563_172, 1_563_174, 1_563_176, 1_563_178, 1_576_926, 1_576_928, 1_576_930, 1_576_932}) {
            byte[] b = withPokerSquares(r, s);
            assertEquals(s, NaiveHealthReference.Block.of(b, 0).pokerSumSquares(), "poker block generator");
            blocks.add(b);
        }
        // runs: each count of each length at its bounds, the other counts typical
        int[] low = {2315, 1114, 527, 240, 103, 103};
        int[] high = {2685, 1386, 723, 384, 209, 209};
        for (int b = 0; b < 2; b++) {
            for (int k = 0; k < 6; k++) {
                for (int target : new int[] {low[k] - 1, low[k], high[k], high[k] + 1}) {
                    byte[] block = null;
                    for (int attempt = 0; block == null && attempt < 200; attempt++) {
                        int[] typical = {2500, 1250, 625, 312, 156, 156};
                        int[][] counts = {typical.clone(), typical.clone()};
                        counts[b][k] = target;
                        // keep the two bits' run counts equal: a share of the change is taken back from the
                        // other lengths of bit b, the rest added to bit 1-b, spread over lengths like good data
                        int diff = target - typical[k] + r.nextInt(3) - 1;
                        int back = (int) Math.round(diff * (attempt % 5) / 4.0);
                        spread(counts[b], -back, k);
                        spread(counts[1 - b], diff - back, -1);
                        boolean inBounds = true;
                        for (int c = 0; c < 2; c++) {
                            for (int j = 0; j < 6; j++) {
                                inBounds &= c == b && j == k || counts[c][j] >= low[j] && counts[c][j] <= high[j];
                            }
                        }
                        if (inBounds) {
                            block = fromRuns(r, counts);
                        }
                    }
                    assertTrue(block != null, "runs block for bit " + b + " length " + (k + 1) + " count " + target);
                    assertEquals(target, NaiveHealthReference.Block.of(block, 0).runs()[b][k], "runs block generator");
                    blocks.add(block);
                }
            }
        }
        // long run: 25 and 26 equal bits at the block's start and end and across 64-bit words
        for (int len : new int[] {25, 26, 27}) {
            for (int at : new int[] {0, BLOCK * 8 - len, 64 * 100 - 13, 64 * 312 - 3, 64 * 312 + 1, 8 * 9 + 7}) {
                byte[] b = good(r, BLOCK);
                plantBits(b, at, len, len % 2);
                // make the run exactly len long: the neighbours are the other bit
                if (at > 0) {
                    plantBits(b, at - 1, 1, 1 - len % 2);
                }
                if (at + len < BLOCK * 8) {
                    plantBits(b, at + len, 1, 1 - len % 2);
                }
                blocks.add(b);
            }
        }
        for (int i = 0; i < blocks.size(); i++) {
            String m = compareBlock(t, blocks.get(i), "threshold block " + i);
            if (m != null) {
                mismatches.add(m);
            }
        }
        assertEquals(List.of(), mismatches);
    }

    @Test
    void fipsStream_blockVerdictsEqualNaive_whateverTheReadSizes() {
        SplittableRandom r = new SplittableRandom(0x5EED06);
        for (int trial = 0; trial < 8; trial++) {
            int blocks = 150;
            byte[] data = good(r, blocks * BLOCK + r.nextInt(BLOCK));
            for (int k = 0; k < 300; k++) { // runs of 20..32 equal bits anywhere, also across blocks
                int len = 20 + r.nextInt(13);
                int at = r.nextInt(data.length * 8 - len);
                int bit = r.nextInt(2);
                for (int i = at; i < at + len; i++) {
                    int mask = 0x80 >>> (i & 7);
                    data[i >>> 3] = (byte) (bit == 1 ? data[i >>> 3] | mask : data[i >>> 3] & ~mask);
                }
            }
            List<Boolean> expected = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                expected.add(NaiveHealthReference.Block.of(data, b * BLOCK).failsStandardBounds());
            }
            FipsBlockTests t = new FipsBlockTests(P);
            List<Boolean> actual = new ArrayList<>();
            feedChunked(data, trial, (b, off, len, base) -> {
                t.feed(b, off, len, failed -> {
                    actual.add(failed != 0);
                    return false;
                });
                return -1;
            });
            assertEquals(expected, actual, "trial " + trial);
            assertTrue(expected.contains(true) && expected.contains(false), "both verdicts in trial " + trial);
        }
    }

    @Test
    void pokerBounds_theDoubleFormulaAndExactIntegersAgree() {
        for (long s = 1_560_000; s < 1_580_000; s++) {
            double x = 16.0 / 5000.0 * s - 5000.0;
            boolean doublePasses = x > 2.16 && x < 46.17;
            boolean exactPasses = 16 * s - 25_000_000 > 10_800 && 16 * s - 25_000_000 < 230_850;
            assertEquals(exactPasses, doublePasses, "sum of squares " + s);
        }
    }
}
