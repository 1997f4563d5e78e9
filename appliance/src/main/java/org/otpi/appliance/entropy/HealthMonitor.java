package org.otpi.appliance.entropy;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Runs every health test over a source's bytes, in order: repetition count, adaptive
 * proportion, repeated window, FIPS 140-2 blocks. Once a test fails the monitor stays
 * failed: a source is never re-admitted without being reopened (and re-running start-up).
 *
 * <p>All tests work on words and tables, not bit by bit (about 3 ns a byte in all on one
 * shared 2-vCPU server core; see docs/entropy.md), and give exactly the answers of their
 * definitions (checked against a one-bit-at-a-time reference).
 *
 * <p>Not thread-safe; {@link HardwareSource} serialises access ({@link #flushSummary} may be
 * called from any thread).
 */
public final class HealthMonitor {
    /** At most one summary line of FIPS block failures per source per period in the security log. */
    static final Duration FIPS_SUMMARY_PERIOD = Duration.ofHours(1);
    /** Bytes run through all the tests before the next bytes (a failure names the first failing slice's test). */
    static final int SLICE = 16 * 1024;

    private final HealthParameters parameters;
    private final RepetitionCountTest rct;
    private final AdaptiveProportionTest apt;
    private final RepeatedWindowTest repeat = new RepeatedWindowTest();
    private final FipsBlockTests fips;
    private final FipsFailureRate fipsRate;
    private final FipsBlockTests.Results onBlock;
    private final boolean blockTests;
    private long samples;
    private HealthFailure failure;
    private String fipsCut;
    private int fipsCutFailed;

    public HealthMonitor(HealthParameters parameters) {
        this(parameters, "hardware RNG");
    }

    HealthMonitor(HealthParameters parameters, String source) {
        this(parameters, source, System::nanoTime, FIPS_SUMMARY_PERIOD.toNanos(), true);
    }

    /**
     * @param nanoClock for the FIPS summary period (tests pass a fake clock)
     * @param blockTests false only for a benchmark's "without" figure and never on a device
     */
    HealthMonitor(HealthParameters parameters, String source, LongSupplier nanoClock, long summaryPeriodNanos,
                  boolean blockTests) {
        this.parameters = parameters;
        this.rct = new RepetitionCountTest(parameters.rctCutoff());
        this.apt = new AdaptiveProportionTest(parameters.aptCutoff());
        this.fips = new FipsBlockTests(parameters);
        this.fipsRate = new FipsFailureRate(source, parameters, nanoClock, summaryPeriodNanos);
        this.onBlock = failed -> {
            String cut = fipsRate.record(failed);
            if (cut != null) {
                fipsCut = cut;
                fipsCutFailed = failed;
                return true;
            }
            return false;
        };
        this.blockTests = blockTests;
    }

    public HealthParameters parameters() {
        return parameters;
    }

    /**
     * Tests the next {@code len} samples.
     *
     * @return null while healthy, else the (sticky) failure
     */
    public HealthFailure feed(byte[] b, int off, int len) {
        for (int done = 0; done < len && failure == null; done += SLICE) {
            feedSlice(b, off + done, Math.min(SLICE, len - done));
        }
        return failure;
    }

    /** Every test over one slice, small enough to stay in the L1 cache from one test to the next. */
    private HealthFailure feedSlice(byte[] b, int off, int len) {
        if (failure != null) {
            return failure;
        }
        long base = samples;
        samples += len;
        int at = rct.feed(b, off, len);
        if (at >= 0) {
            return fail("repetition-count", "a run of " + rct.cutoff() + " identical bytes (cut-off "
                    + rct.cutoff() + ")", base + at - off);
        }
        at = apt.feed(b, off, len);
        if (at >= 0) {
            return fail("adaptive-proportion", "one byte value " + apt.cutoff() + " times in a window of "
                    + HealthParameters.APT_WINDOW + " (cut-off " + apt.cutoff() + ")", base + at - off);
        }
        long abs = repeat.feed(b, off, len);
        if (abs >= 0) {
            return fail("repeated-window", "a 16-byte window repeated within "
                    + HealthParameters.REPEAT_HISTORY_BYTES + " bytes", abs);
        }
        if (blockTests) {
            at = fips.feed(b, off, len, onBlock);
            if (at >= 0) {
                String detail = (fipsCutFailed & FipsBlockTests.STRICT_MONOBIT) != 0
                        ? fips.describeLast(fipsCutFailed)
                        : "FIPS 140-2: " + fipsCut + ", last: " + fips.describeLast(fipsCutFailed);
                return fail("fips-140-2", detail, base + at - off);
            }
        }
        return null;
    }

    private HealthFailure fail(String test, String detail, long index) {
        failure = new HealthFailure(test, detail, index);
        return failure;
    }

    /** Writes FIPS block failures not yet in the security log (the source closes or is cut off). */
    public void flushSummary() {
        fipsRate.flush();
    }

    public HealthFailure failure() {
        return failure;
    }

    public long samples() {
        return samples;
    }

    public long fipsBlocks() {
        return fipsRate.blocks();
    }

    public long fipsFailedBlocks() {
        return fipsRate.failedBlocks();
    }
}
