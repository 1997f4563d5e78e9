package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class HealthParametersTest {

    /** Exact P(X >= c) for X ~ Binomial(n, num/den), compared as a fraction against 2^-alphaLog2. */
    private static boolean tailAtMost(int n, int num, int den, int c, int alphaLog2) {
        BigInteger tail = BigInteger.ZERO;
        BigInteger binom = BigInteger.ONE; // C(n, k)
        BigInteger p = BigInteger.valueOf(num);
        BigInteger q = BigInteger.valueOf(den - num);
        for (int k = 0; k <= n; k++) {
            if (k > 0) {
                binom = binom.multiply(BigInteger.valueOf(n - k + 1)).divide(BigInteger.valueOf(k));
            }
            if (k >= c) {
                tail = tail.add(binom.multiply(p.pow(k)).multiply(q.pow(n - k)));
            }
        }
        // tail / den^n <= 2^-alphaLog2  <=>  tail * 2^alphaLog2 <= den^n
        return tail.shiftLeft(alphaLog2).compareTo(BigInteger.valueOf(den).pow(n)) <= 0;
    }

    @Test
    void rctCutoff_followsSp80090bFormula() {
        assertEquals(11, HealthParameters.DEFAULT.rctCutoff()); // 1 + ceil(40 / 4)
        assertEquals(6, new HealthParameters(40, 8).rctCutoff());
        assertEquals(21, new HealthParameters(20, 1).rctCutoff());
    }

    @Test
    void aptCutoff_isTheSmallestCountWithTailAtMostAlpha_exactArithmetic() {
        int c = HealthParameters.DEFAULT.aptCutoff();
        assertEquals(78, c, "the documented figure");
        assertTrue(tailAtMost(512, 1, 16, c, 40), "tail at cut-off exceeds alpha");
        assertTrue(!tailAtMost(512, 1, 16, c - 1, 40), "cut-off is not the smallest");
        int c8 = new HealthParameters(40, 8).aptCutoff();
        assertTrue(tailAtMost(512, 1, 256, c8, 40));
        assertTrue(!tailAtMost(512, 1, 256, c8 - 1, 40));
    }

    @Test
    void fipsWindowCutoffs_areTheSmallestCountsWithBinomialTailAtMostAlpha_exactArithmetic() {
        HealthParameters p = HealthParameters.DEFAULT;
        int den = 1 << HealthParameters.FIPS_GOOD_FAIL_LOG2; // good blocks fail with probability <= 1/512
        int shortCut = p.fipsShortCutoff();
        assertEquals(6, shortCut, "the documented figure");
        assertTrue(tailAtMost(HealthParameters.FIPS_SHORT_WINDOW, 1, den, shortCut, 40));
        assertTrue(!tailAtMost(HealthParameters.FIPS_SHORT_WINDOW, 1, den, shortCut - 1, 40));
        int longCut = p.fipsLongCutoff();
        assertEquals(19, longCut, "the documented figure");
        assertTrue(tailAtMost(HealthParameters.FIPS_LONG_WINDOW, 1, den, longCut, 40));
        assertTrue(!tailAtMost(HealthParameters.FIPS_LONG_WINDOW, 1, den, longCut - 1, 40));
        // and the long window sees a source failing 5% of blocks: P(Binomial(1024, 1/20) >= 19) > 0.99
        assertTrue(!tailAtMost(HealthParameters.FIPS_LONG_WINDOW, 1, 20, longCut, 1));
    }

    @Test
    void strictMonobit_twoSidedAlpha_exactArithmetic() {
        HealthParameters p = HealthParameters.DEFAULT;
        int high = p.strictMonobitHigh();
        assertEquals(10506, high, "the documented figure");
        assertTrue(tailAtMost(20000, 1, 2, high, 41), "upper tail must be <= alpha/2");
        assertTrue(!tailAtMost(20000, 1, 2, high - 1, 41));
        assertEquals(20000 - high, p.strictMonobitLow());
        assertTrue(high > FipsBlockTests.MONOBIT_HIGH, "strict bound must be wider than the FIPS bound");
    }
}
