package org.otpi.appliance.entropy;

import java.util.function.LongSupplier;
import org.tinylog.Logger;

/**
 * What FIPS 140-2 block failures mean for a source, and what the security log hears of them.
 *
 * <p>Good data fails a block now and then by design (about 1 in 1,250), so one failure says
 * nothing. A source is cut off only for a failure rate no good source shows: a strict monobit
 * failure (at once), or more failing blocks in a sliding window than a binomial tail at alpha
 * allows ({@link HealthParameters#fipsShortCutoff()} of {@link HealthParameters#FIPS_SHORT_WINDOW},
 * {@link HealthParameters#fipsLongCutoff()} of {@link HealthParameters#FIPS_LONG_WINDOW}).
 *
 * <p>Log: the first failure after a quiet period is written at once, as one line with counts
 * (INFO, or WARN once a window holds half its cut-off);
 * later ones are added up and written as one line when the period has passed (at the next block),
 * and on {@link #flush} (the source closing or being cut off). So the security log gets at most
 * one FIPS line per period per source, plus one at the end.
 *
 * <p>Thread-safe (a source may be closed while it is being read).
 */
final class FipsFailureRate {
    private static final int LONG_WORDS = HealthParameters.FIPS_LONG_WINDOW / 64;

    private final String source;
    private final int shortCut;
    private final int longCut;
    private final LongSupplier nanoClock;
    private final long periodNanos;

    private long blocks;
    private long failedBlocks;
    private int shortBits;          // bit i: block (latest - i) failed
    private int shortCount;
    private final long[] longBits = new long[LONG_WORDS]; // ring: block n at bit n mod 1024
    private int longCount;

    // since the last line
    private long reportedBlocks;
    private long pendingFailed;
    private final long[] pendingByTest = new long[4]; // monobit, poker, runs, long run
    private long lastLineNanos;
    private boolean anyLine;

    FipsFailureRate(String source, HealthParameters p, LongSupplier nanoClock, long periodNanos) {
        this.source = source;
        this.shortCut = p.fipsShortCutoff();
        this.longCut = p.fipsLongCutoff();
        this.nanoClock = nanoClock;
        this.periodNanos = periodNanos;
    }

    /**
     * Records the next block's result ({@link FipsBlockTests} failed-test bits).
     *
     * @return why the source must be cut off, or null
     */
    synchronized String record(int failed) {
        long n = blocks++;
        boolean f = failed != 0;
        shortBits = (shortBits << 1 | (f ? 1 : 0)) & ((1 << HealthParameters.FIPS_SHORT_WINDOW) - 1);
        shortCount = Integer.bitCount(shortBits);
        int word = (int) (n >>> 6) & (LONG_WORDS - 1);
        long bit = 1L << (n & 63);
        boolean was = (longBits[word] & bit) != 0;
        if (was != f) {
            longBits[word] ^= bit;
            longCount += f ? 1 : -1;
        }
        if (f) {
            failedBlocks++;
            pendingFailed++;
            for (int t = 0; t < 4; t++) {
                if ((failed & (FipsBlockTests.MONOBIT << t)) != 0) {
                    pendingByTest[t]++;
                }
            }
        }
        if ((failed & FipsBlockTests.STRICT_MONOBIT) != 0) {
            return "strict monobit";
        }
        if (shortCount >= shortCut) {
            return shortCount + " of the last " + HealthParameters.FIPS_SHORT_WINDOW + " blocks failed (cut-off " + shortCut + ")";
        }
        if (longCount >= longCut) {
            return longCount + " of the last " + HealthParameters.FIPS_LONG_WINDOW + " blocks failed (cut-off " + longCut
                    + "; good data fails about 1 in 1250)";
        }
        if (pendingFailed > 0) {
            long now = nanoClock.getAsLong();
            if (!anyLine || now - lastLineNanos >= periodNanos) {
                writeLine(now);
            }
        }
        return null;
    }

    /** Writes the failures not yet reported, if any, as one line. */
    synchronized void flush() {
        if (pendingFailed > 0) {
            writeLine(nanoClock.getAsLong());
        }
    }

    /** INFO while the rate looks like good data's; WARN once the long window holds half the cut-off. */
    private void writeLine(long now) {
        long tested = blocks - reportedBlocks;
        String message = "entropy source {}: {} of {} FIPS 140-2 blocks failed {} (monobit {}, poker {}, runs {},"
                + " long run {}); good data fails about 1 in 1250; cut off at {} of {} or {} of {}";
        Object[] args = {source, pendingFailed, tested, anyLine ? "since the last report" : "since start",
            pendingByTest[0], pendingByTest[1], pendingByTest[2], pendingByTest[3],
            shortCut, HealthParameters.FIPS_SHORT_WINDOW, longCut, HealthParameters.FIPS_LONG_WINDOW};
        if (2 * longCount >= longCut || 2 * shortCount >= shortCut) {
            Logger.tag("security").warn(message, args);
        } else {
            Logger.tag("security").info(message, args);
        }
        reportedBlocks = blocks;
        pendingFailed = 0;
        java.util.Arrays.fill(pendingByTest, 0);
        lastLineNanos = now;
        anyLine = true;
    }

    synchronized long blocks() {
        return blocks;
    }

    synchronized long failedBlocks() {
        return failedBlocks;
    }
}
