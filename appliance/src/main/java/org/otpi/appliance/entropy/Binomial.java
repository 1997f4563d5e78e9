package org.otpi.appliance.entropy;

/** Binomial upper tails in log space, for the health-test cut-offs. Package-private. */
final class Binomial {

    private Binomial() {
    }

    /** P(X >= c) for X ~ Binomial(n, p). Summed from the top so small tails keep their precision. */
    static double upperTail(int n, double p, int c) {
        if (c <= 0) {
            return 1.0;
        }
        if (c > n) {
            return 0.0;
        }
        double[] logPmf = logPmf(n, p);
        double sum = 0;
        for (int k = n; k >= c; k--) {
            sum += Math.exp(logPmf[k]);
        }
        return sum;
    }

    /** The smallest c such that P(X >= c) <= alpha. */
    static int smallestUpperCutoff(int n, double p, double alpha) {
        double[] logPmf = logPmf(n, p);
        double tail = 0;
        for (int c = n; c >= 0; c--) {
            double next = tail + Math.exp(logPmf[c]);
            if (next > alpha) {
                return c + 1;
            }
            tail = next;
        }
        return 0;
    }

    private static double[] logPmf(int n, double p) {
        double[] out = new double[n + 1];
        double logRatio = Math.log(p) - Math.log1p(-p);
        out[0] = n * Math.log1p(-p);
        for (int k = 0; k < n; k++) {
            out[k + 1] = out[k] + Math.log((double) (n - k) / (k + 1)) + logRatio;
        }
        return out;
    }
}
