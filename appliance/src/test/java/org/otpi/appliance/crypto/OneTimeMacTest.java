package org.otpi.appliance.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-time Poly1305 on both engines: RFC 8439 2.5.2, and the same tag for any split of the input. */
class OneTimeMacTest {

    @Test
    void bothEnginesMatchRfc8439() {
        for (String engine : new String[] {"sodium", "bouncycastle"}) {
            OneTimeMac m = OneTimeMac.keyed(engine, OneTimeMac.kat(OneTimeMac.KAT_KEY));
            assertNotNull(m, engine + " unusable here");
            byte[] msg = OneTimeMac.KAT_MSG.getBytes(StandardCharsets.US_ASCII);
            m.update(msg, 0, msg.length);
            byte[] tag = new byte[16];
            m.doFinal(tag, 0);
            assertEquals(OneTimeMac.KAT_TAG, HexFormat.of().formatHex(tag), engine);
        }
    }

    @Test
    void enginesAgree_forAnyLengthAndAnySplit() {
        Random rnd = new Random(2_5_2);
        for (int len : new int[] {0, 1, 15, 16, 17, 31, 32, 33, 1000, 65_537}) {
            byte[] key = new byte[32];
            byte[] msg = new byte[len + 5];
            rnd.nextBytes(key);
            rnd.nextBytes(msg);
            byte[] ref = new byte[16];
            OneTimeMac bc = OneTimeMac.keyed("bouncycastle", key);
            bc.update(msg, 5, len);
            bc.doFinal(ref, 0);
            OneTimeMac s = OneTimeMac.keyed("sodium", key);
            int pos = 5;
            while (pos < 5 + len) {
                int k = Math.min(5 + len - pos, 1 + rnd.nextInt(40));
                s.update(msg, pos, k);
                pos += k;
            }
            byte[] got = new byte[18];
            s.doFinal(got, 2);
            assertArrayEquals(ref, java.util.Arrays.copyOfRange(got, 2, 18), "length " + len);
            OneTimeMac best = OneTimeMac.keyed(key);
            best.update(msg, 5, len);
            byte[] b = new byte[16];
            best.doFinal(b, 0);
            assertArrayEquals(ref, b);
        }
    }
}
