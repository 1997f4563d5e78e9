package org.otpi.appliance.entropy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SP 800-90B 4.4.1 repetition count test on bytes. Not thread-safe.
 *
 * <p>Eight bytes at a time: {@code d = w ^ (w << 8 | previous byte)} has a zero byte exactly
 * where a byte equals the one before it. Good data has such a pair in about 3% of words; only
 * those words are walked byte by byte, so the answer is the byte-by-byte one.
 */
final class RepetitionCountTest {
    private static final VarHandle LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    private final int cutoff;
    private int last = -1; // the previous byte, 0..255, or -1 before the first
    private int run;

    RepetitionCountTest(int cutoff) {
        if (cutoff < 2) {
            throw new IllegalArgumentException("cut-off must be at least 2");
        }
        this.cutoff = cutoff;
    }

    /** Returns the offset in {@code b} of the sample that completes a failing run, or -1. */
    int feed(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        if (i < end && last < 0) {
            last = b[i++] & 0xff;
            run = 1;
        }
        int last = this.last;
        int run = this.run;
        int words = (end - i) >>> 3;
        int j = 0;
        while (j < words) {
            // a tight, counted scan for the next word holding a repeated byte (C2 drops the
            // bounds checks of counted loops); good data stays here for ~32 words at a time
            long previous = last;
            int start = j;
            for (; j < words; j++) {
                long w = (long) LE.get(b, i + 8 * j);
                long d = w ^ ((w << 8) | previous);
                // nonzero exactly when some byte of d is zero (which bytes is left to the walk below)
                if (((d - ONES) & ~d & HIGHS) != 0) {
                    break;
                }
                previous = w >>> 56;
            }
            if (j > start) { // whole words without a repeat: the run at their end is 1
                run = 1;
                last = (int) previous;
            }
            if (j == words) {
                break;
            }
            for (int k = i + 8 * j, stop = k + 8; k < stop; k++) {
                int x = b[k] & 0xff;
                if (x == last) {
                    if (++run >= cutoff) {
                        this.last = last;
                        this.run = run;
                        return k;
                    }
                } else {
                    last = x;
                    run = 1;
                }
            }
            j++;
        }
        i += 8 * words;
        for (; i < end; i++) {
            int x = b[i] & 0xff;
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
