package org.otpi.appliance.entropy;

/** SP 800-90B 4.4.2 adaptive proportion test on bytes, W = 512, non-overlapping windows. Not thread-safe. */
final class AdaptiveProportionTest {
    private final int cutoff;
    private int first;
    private int count;
    private int seen = HealthParameters.APT_WINDOW; // forces a new window on the first sample
    private int worst;

    AdaptiveProportionTest(int cutoff) {
        this.cutoff = cutoff;
    }

    /** Returns the offset in {@code b} of the sample that reaches the cut-off, or -1. */
    int feed(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (seen == HealthParameters.APT_WINDOW) {
                first = b[i];
                count = 1;
                seen = 1;
                continue;
            }
            seen++;
            if (b[i] == first && ++count >= cutoff) {
                worst = count;
                return i;
            }
        }
        worst = Math.max(worst, count);
        return -1;
    }

    int cutoff() {
        return cutoff;
    }

    int worstCount() {
        return worst;
    }
}
