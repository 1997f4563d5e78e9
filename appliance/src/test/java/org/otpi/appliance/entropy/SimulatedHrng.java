package org.otpi.appliance.entropy;

import java.util.SplittableRandom;

/** Test data for a simulated HRNG: good, stuck, biased and replaying streams. */
final class SimulatedHrng {
    private SimulatedHrng() {
    }

    static byte[] good(long seed, int n) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i += 8) {
            long x = r.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                b[i + k] = (byte) (x >>> (8 * k));
            }
        }
        return b;
    }

    /** {@code goodPrefix} good bytes, then the same value forever. */
    static byte[] stuckAfter(long seed, int goodPrefix, int n, byte value) {
        byte[] b = good(seed, n);
        java.util.Arrays.fill(b, goodPrefix, n, value);
        return b;
    }

    /** Good prefix, then bytes whose bits are each 1 with probability {@code pOne}. */
    static byte[] biasedAfter(long seed, int goodPrefix, int n, double pOne) {
        byte[] b = good(seed, n);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = goodPrefix; i < n; i++) {
            int x = 0;
            for (int bit = 0; bit < 8; bit++) {
                x = (x << 1) | (r.nextDouble() < pOne ? 1 : 0);
            }
            b[i] = (byte) x;
        }
        return b;
    }

    /** Good bytes up to {@code s + period}, then every byte equals the one {@code period} earlier. */
    static byte[] repeatingAfter(long seed, int s, int period, int n) {
        byte[] b = good(seed, n);
        for (int i = s + period; i < n; i++) {
            b[i] = b[i - period];
        }
        return b;
    }
}
