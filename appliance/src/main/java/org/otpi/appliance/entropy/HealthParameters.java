package org.otpi.appliance.entropy;

/**
 * Cut-offs of the health tests, computed from a stated false-alarm rate and a stated,
 * conservative min-entropy per sample (NIST SP 800-90B section 4.4).
 *
 * <p>Defaults: alpha = 2^-40 per test window and H = 4 bits of min-entropy per byte. H = 4 is
 * deliberately low: USB HRNGs deliver conditioned bytes that measure close to 8 bits, but we
 * have not run a 90B assessment on each device, so we claim half and credit the kernel the
 * same fraction. With these values:
 * <ul>
 *   <li>repetition count: a run of {@link #rctCutoff()} = 11 identical bytes fails, so a stuck
 *       source is cut off within 11 samples;
 *   <li>adaptive proportion (W = 512): {@link #aptCutoff()} = 78 occurrences of the window's
 *       first byte fail;
 *   <li>repeated window: a 16-byte window recurring within the last 4096 bytes fails; a
 *       source that starts repeating with period L <= 4096 at byte s is cut off by byte
 *       s + L + 254 (false alarm per lookup at most 512 * 2^-(16 H) = 2^-55);
 *   <li>FIPS 140-2 block tests on 20,000-bit blocks: a block outside the strict monobit bound
 *       {@link #strictMonobitLow()} = 9494 .. {@link #strictMonobitHigh()} = 10506 ones (two-sided
 *       alpha) fails at once, so a 60%-ones source is cut off within two blocks (5000 bytes);
 *   <li>ordinary FIPS failures happen with good data by design (measured: about 1 block in
 *       1,250; we assume at most 2^-{@value #FIPS_GOOD_FAIL_LOG2} = 1 in 512). They are only
 *       counted and summarised; what cuts the source off is a failure rate no good source
 *       reaches: {@link #fipsShortCutoff()} = 6 of the last {@link #FIPS_SHORT_WINDOW} = 12
 *       blocks (a badly broken source, within a few blocks) or {@link #fipsLongCutoff()} = 19 of
 *       the last {@link #FIPS_LONG_WINDOW} = 1024 (a source failing 2% of its blocks, 25 times the
 *       rate of good data: caught with probability 2/3 per window, 5% surely). Each cut-off is the
 *       smallest c with P(Binomial(W, 2^-9) >= c) <= alpha, so a good source is cut off with
 *       probability below alpha per window.
 * </ul>
 *
 * @param alphaLog2 the false-alarm rate as a negative power of two (40 means 2^-40)
 * @param minEntropyBitsPerByte the assessed min-entropy H per 8-bit sample, 0 < H <= 8
 */
public record HealthParameters(int alphaLog2, double minEntropyBitsPerByte) {

    /** SP 800-90B adaptive proportion window for non-binary samples. */
    public static final int APT_WINDOW = 512;
    /** Samples tested at start-up before any output is released. */
    public static final int STARTUP_SAMPLES = 4096;
    /** FIPS 140-2 block: 20,000 bits. */
    public static final int FIPS_BLOCK_BYTES = 2500;
    /** Length of the repeated-window test's window and its guaranteed history. */
    public static final int REPEAT_WINDOW_BYTES = 16;
    public static final int REPEAT_HISTORY_BYTES = 4096;
    /** A good block fails a standard FIPS 140-2 test with probability at most 2^-9 (measured ~2^-10.3). */
    public static final int FIPS_GOOD_FAIL_LOG2 = 9;
    /** Blocks in the short and the long sliding window of FIPS failures. */
    public static final int FIPS_SHORT_WINDOW = 12;
    public static final int FIPS_LONG_WINDOW = 1024;

    public static final HealthParameters DEFAULT = new HealthParameters(40, 4.0);

    public HealthParameters {
        if (alphaLog2 < 20 || alphaLog2 > 60) {
            throw new IllegalArgumentException("alphaLog2 must be in [20, 60]");
        }
        if (!(minEntropyBitsPerByte > 0 && minEntropyBitsPerByte <= 8)) {
            throw new IllegalArgumentException("min-entropy must be in (0, 8] bits per byte");
        }
    }

    public double alpha() {
        return Math.scalb(1.0, -alphaLog2);
    }

    /** SP 800-90B 4.4.1: C = 1 + ceil(-log2(alpha) / H). */
    public int rctCutoff() {
        return 1 + (int) Math.ceil(alphaLog2 / minEntropyBitsPerByte);
    }

    /** SP 800-90B 4.4.2: C = 1 + CRITBINOM(W, 2^-H, 1 - alpha), the smallest c with P(B >= c) <= alpha. */
    public int aptCutoff() {
        return Binomial.smallestUpperCutoff(APT_WINDOW, Math.pow(2, -minEntropyBitsPerByte), alpha());
    }

    /** Smallest count of ones that fails the strict monobit test (two-sided alpha). */
    public int strictMonobitHigh() {
        return Binomial.smallestUpperCutoff(FIPS_BLOCK_BYTES * 8, 0.5, alpha() / 2);
    }

    /** Largest count of ones that fails the strict monobit test (by symmetry). */
    public int strictMonobitLow() {
        return FIPS_BLOCK_BYTES * 8 - strictMonobitHigh();
    }

    /** Failing blocks among the last {@link #FIPS_SHORT_WINDOW} that cut the source off: binomial tail at alpha. */
    public int fipsShortCutoff() {
        return Binomial.smallestUpperCutoff(FIPS_SHORT_WINDOW, Math.scalb(1.0, -FIPS_GOOD_FAIL_LOG2), alpha());
    }

    /** Failing blocks among the last {@link #FIPS_LONG_WINDOW} that cut the source off: binomial tail at alpha. */
    public int fipsLongCutoff() {
        return Binomial.smallestUpperCutoff(FIPS_LONG_WINDOW, Math.scalb(1.0, -FIPS_GOOD_FAIL_LOG2), alpha());
    }

    /** Fraction of each healthy byte credited to the kernel as entropy: H / 8. */
    public double creditFraction() {
        return minEntropyBitsPerByte / 8.0;
    }
}
