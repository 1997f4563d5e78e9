package org.otpi.appliance.pad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The word-wise XOR in both directions equals the byte-by-byte definition, at every offset and length. */
class PadStreamXorTest {

    @Test
    void wordWiseXor_equalsTheNaiveOne_forwardAndBackward() {
        Random rnd = new Random(42);
        for (int round = 0; round < 3_000; round++) {
            byte[] src = new byte[200];
            byte[] dst = new byte[200];
            rnd.nextBytes(src);
            rnd.nextBytes(dst);
            int n = rnd.nextInt(90);
            int d = rnd.nextInt(200 - n);
            int sf = rnd.nextInt(200 - n);
            byte[] a = dst.clone();
            byte[] b = dst.clone();
            PadStream.xorForward(a, d, src, sf, n);
            for (int k = 0; k < n; k++) {
                b[d + k] ^= src[sf + k];
            }
            assertArrayEquals(b, a, "forward n=" + n);
            int sb = n - 1 + rnd.nextInt(200 - n + 1);
            a = dst.clone();
            b = dst.clone();
            PadStream.xorBackward(a, d, src, sb, n);
            for (int k = 0; k < n; k++) {
                b[d + k] ^= src[sb - k];
            }
            assertArrayEquals(b, a, "backward n=" + n + " s=" + sb);
        }
    }
}
