package org.otpi.appliance.pad;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.vault.Opened;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.Sealed;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;

/**
 * Known answers for OTC v1 computed by hand from the paper's formula, with a fixed pad
 * (pad[k] = (7k + 3) mod 256) and a fixed message, for both directions.
 */
class Otc1KnownAnswerTest {
    private static final int SIZE = 4096;

    static byte[] fixedPad() {
        byte[] p = new byte[SIZE];
        for (int k = 0; k < SIZE; k++) {
            p[k] = (byte) (7 * k + 3);
        }
        return p;
    }

    /** The paper's formula, written out independently of the codec. */
    static byte[] byHand(byte[] pad, long index, int step, byte[] m) throws Exception {
        int n = m.length;
        byte[] stream = new byte[2 * n + 48];
        for (int k = 0; k < stream.length; k++) {
            stream[k] = pad[(int) (index + (long) step * k)];
        }
        byte[] c = new byte[n];
        for (int k = 0; k < n; k++) {
            c[k] = (byte) (m[k] ^ stream[k]);
        }
        byte[] i6 = new byte[6];
        for (int k = 0; k < 6; k++) {
            i6[k] = (byte) (index >>> (8 * k));
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(java.util.Arrays.copyOfRange(stream, 2 * n + 32, 2 * n + 48), "HmacSHA256"));
        mac.update(i6);
        byte[] tag = mac.doFinal(c);
        byte[] out = new byte[6 + n + 32];
        System.arraycopy(i6, 0, out, 0, 6);
        for (int k = 0; k < n + 32; k++) {
            byte body = k < n ? c[k] : tag[k - n];
            out[6 + k] = (byte) (body ^ stream[n + k]);
        }
        return out;
    }

    @Test
    void person0_sealsForwardFromSixteen_exactlyAsThePaperSays(@TempDir Path dir) throws Exception {
        byte[] pad = fixedPad();
        byte[] m = "attack at dawn".getBytes(StandardCharsets.US_ASCII);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            Sealed s = alice.seal("bob", m, SealOptions.OTC_V1);
            assertEquals(16, s.index());
            assertEquals(HexFormat.of().formatHex(byHand(pad, 16, +1, m)), HexFormat.of().formatHex(s.packageBytes()));
            // the second message starts right after the first one's 2|m|+48 bytes
            Sealed s2 = alice.seal("bob", m, SealOptions.OTC_V1);
            assertEquals(16 + 2 * m.length + 48, s2.index());
            assertArrayEquals(byHand(pad, s2.index(), +1, m), s2.packageBytes());
            Opened o = bob.open("alice", s.packageBytes());
            assertArrayEquals(m, o.message());
        }
    }

    @Test
    void person1_sealsBackwardFromTheEnd_exactlyAsThePaperSays(@TempDir Path dir) throws Exception {
        byte[] pad = fixedPad();
        byte[] m = "meet me at the old bridge".getBytes(StandardCharsets.US_ASCII);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            Sealed s = bob.seal("alice", m, SealOptions.OTC_V1);
            assertEquals(SIZE - 1, s.index());
            assertArrayEquals(byHand(pad, SIZE - 1, -1, m), s.packageBytes());
            // a literal check of the first bytes: index 4095 little-endian, then the masked body
            assertEquals("ff0f00000000", HexFormat.of().formatHex(s.packageBytes(), 0, 6));
            int expectedFirst = (m[0] ^ pad[SIZE - 1]) ^ pad[SIZE - 1 - m.length];
            assertEquals((byte) expectedFirst, s.packageBytes()[6]);
            assertArrayEquals(m, alice.open("bob", s.packageBytes()).message());
        }
    }
}
