package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SP 800-90B 4.4.2 adaptive proportion test on bytes, W = 512, non-overlapping windows
 * starting at sample 0. Not thread-safe.
 *
 * <p>Eight bytes at a time: XOR with the window's first byte repeated eight times leaves a zero
 * byte for every match, and the matches are counted with one {@code bitCount}. Only a word that
 * would reach the cut-off is walked byte by byte, to name the exact sample.
 */
final class AdaptiveProportionTest {
    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final int W = HealthParameters.APT_WINDOW;

    private final int cutoff;
    private byte first;
    private int count;
    private int seen = W; // forces a new window on the first sample

    AdaptiveProportionTest(int cutoff) {
        if (cutoff < 2) {
            throw new IllegalArgumentException("cut-off must be at least 2");
        }
        this.cutoff = cutoff;
    }

    /** Returns the offset in {@code b} of the sample that reaches the cut-off, or -1. */
    int feed(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            if (seen == W) {
                first = b[i++];
                count = 1;
                seen = 1;
                continue;
            }
            int stop = i + Math.min(end - i, W - seen);
            seen += stop - i;
            byte f = first;
            int c = count;
            long pattern = (f & 0xffL) * 0x0101010101010101L;
            int words = (stop - i) >>> 3;
            int j = 0;
            for (; j < words; j++) { // a counted loop: C2 then drops the per-load bounds checks
                long d = (long) LE.get(b, i + 8 * j) ^ pattern;
                int matches = Long.bitCount(~(((d & LOW7) + LOW7) | d | LOW7));
                if (c + matches >= cutoff) {
                    break; // the exact sample is in this word
                }
                c += matches;
            }
            i += 8 * j;
            for (; i < stop; i++) {
                if (b[i] == f && ++c >= cutoff) {
                    count = c;
                    return i;
                }
            }
            count = c;
        }
        return -1;
    }

    int cutoff() {
        return cutoff;
    }
}
