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
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

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
        for (; i + 8 <= end; i += 8) {
            long w = (long) LE.get(b, i);
            long d = w ^ ((w << 8) | last);
            // high bit of each byte of d set exactly where that byte is zero
            long zero = ~(((d & LOW7) + LOW7) | d | LOW7);
            if (zero == 0) {
                run = 1;
                last = (int) (w >>> 56);
                continue;
            }
            for (int k = i; k < i + 8; k++) {
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
        }
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
