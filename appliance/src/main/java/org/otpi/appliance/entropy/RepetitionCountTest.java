package org.otpi.appliance.entropy;

/** SP 800-90B 4.4.1 repetition count test on bytes. Not thread-safe. */
final class RepetitionCountTest {
    private final int cutoff;
    private int last = -1;
    private int run;

    RepetitionCountTest(int cutoff) {
        this.cutoff = cutoff;
    }

    /** Returns the offset in {@code b} of the sample that completes a failing run, or -1. */
    int feed(byte[] b, int off, int len) {
        int last = this.last;
        int run = this.run;
        for (int i = off, end = off + len; i < end; i++) {
            int x = b[i];
            if (x == last) {
                if (++run >= cutoff) {
                    this.last = last;
                    this.run = run;
                    return i;
                }
            } else {
                last = x;
                run = 1;
            }
        }
        this.last = last;
        this.run = run;
        return -1;
    }

    int cutoff() {
        return cutoff;
    }
}
