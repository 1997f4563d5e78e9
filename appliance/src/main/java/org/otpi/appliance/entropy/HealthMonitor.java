package org.otpi.appliance.entropy;

/**
 * Runs every health test over a source's bytes, in order: repetition count, adaptive
 * proportion, repeated window, FIPS 140-2 blocks. Once a test fails the monitor stays
 * failed: a source is never re-admitted without being reopened (and re-running start-up).
 *
 * <p>Not thread-safe; {@link HardwareSource} serialises access.
 */
public final class HealthMonitor {
    private final HealthParameters parameters;
    private final RepetitionCountTest rct;
    private final AdaptiveProportionTest apt;
    private final RepeatedWindowTest repeat = new RepeatedWindowTest();
    private final FipsBlockTests fips;
    private final boolean blockTests;
    private long samples;
    private HealthFailure failure;

    public HealthMonitor(HealthParameters parameters) {
        this(parameters, true);
    }

    /** @param blockTests false only for the benchmark's "without" figure and never on a device */
    HealthMonitor(HealthParameters parameters, boolean blockTests) {
        this.parameters = parameters;
        this.rct = new RepetitionCountTest(parameters.rctCutoff());
        this.apt = new AdaptiveProportionTest(parameters.aptCutoff());
        this.fips = new FipsBlockTests(parameters);
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
            FipsBlockTests.Verdict v = fips.feed(b, off, len);
            if (v != null) {
                return fail("fips-140-2", v.detail(), base + v.offset() - off);
            }
        }
        return null;
    }

    private HealthFailure fail(String test, String detail, long index) {
        failure = new HealthFailure(test, detail, index);
        return failure;
    }

    public HealthFailure failure() {
        return failure;
    }

    public long samples() {
        return samples;
    }

    public long fipsBlocks() {
        return fips.blocks();
    }

    public long fipsFailedBlocks() {
        return fips.failedBlocks();
    }
}
