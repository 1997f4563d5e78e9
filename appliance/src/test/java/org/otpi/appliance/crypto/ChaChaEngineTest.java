package org.otpi.appliance.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every engine against RFC 8439 section 2.8.2 and draft-irtf-cfrg-xchacha-03 A.3.1, against
 * each other on random inputs (heap, direct and in-place buffers), and against tampering.
 * Failures are collected with their case, so one run shows all of them.
 */
class ChaChaEngineTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int[] LENGTHS = {0, 1, 15, 16, 17, 63, 64, 65, 255, 256, 1400, 16384, 65537};

    @Test
    void libsodiumIsUsedWhereItIsInstalled() {
        boolean installed = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libsodium.so.23"))
                || Files.exists(Path.of("/usr/lib/aarch64-linux-gnu/libsodium.so.23"));
        if (installed) {
            assertNotNull(ChaChaEngines.create("sodium"), "libsodium is installed but not usable");
            if (System.getProperty("otpi.aead", "").isEmpty()) {
                assertTrue(ChaChaEngines.best().name().startsWith("libsodium"), ChaChaEngines.best().name());
            }
        }
        assertNotNull(ChaChaEngines.create("jdk"));
        assertNotNull(ChaChaEngines.create("bouncycastle"));
    }

    @Test
    void everyEngineMatchesTheRfcAndDraftVectors() {
        List<String> failures = new ArrayList<>();
        byte[] plain = ChaChaEngines.katPlaintext();
        for (ChaChaEngine e : ChaChaEngines.available()) {
            for (String[] v : new String[][] {
                    {"rfc8439 2.8.2", ChaChaEngines.KAT_NONCE, ChaChaEngines.KAT_SEALED},
                    {"xchacha A.3.1", ChaChaEngines.KAT_XNONCE, ChaChaEngines.KAT_XSEALED}}) {
                byte[] nonce = HEX.parseHex(v[1]);
                try (ChaChaEngine.Key k = e.key(HEX.parseHex(ChaChaEngines.KAT_KEY))) {
                    byte[] sealed = seal(e, k, nonce, HEX.parseHex(ChaChaEngines.KAT_AAD), plain, false);
                    if (!HEX.formatHex(sealed).equals(v[2])) {
                        failures.add(e.name() + " " + v[0] + ": sealed " + HEX.formatHex(sealed));
                    }
                    byte[] opened = open(e, k, nonce, HEX.parseHex(ChaChaEngines.KAT_AAD), HEX.parseHex(v[2]), true);
                    if (opened == null || !java.util.Arrays.equals(opened, plain)) {
                        failures.add(e.name() + " " + v[0] + ": did not open the vector");
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void enginesAgreeOnRandomInputs_heapDirectAndInPlace() {
        List<ChaChaEngine> engines = ChaChaEngines.available();
        assertTrue(engines.size() >= 2, "need at least two engines to compare");
        Random rnd = new Random(8439);
        List<String> failures = new ArrayList<>();
        for (int len : LENGTHS) {
            for (int nonceLength : new int[] {12, 24}) {
                byte[] key = bytes(rnd, 32);
                byte[] nonce = bytes(rnd, nonceLength);
                byte[] aad = bytes(rnd, rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(100));
                byte[] plain = bytes(rnd, len);
                byte[] reference = null;
                for (ChaChaEngine e : engines) {
                    for (boolean direct : new boolean[] {false, true}) {
                        try (ChaChaEngine.Key k = e.key(key)) {
                            byte[] sealed = seal(e, k, nonce, aad, plain, direct);
                            if (reference == null) {
                                reference = sealed;
                            } else if (!java.util.Arrays.equals(reference, sealed)) {
                                failures.add(e.name() + " len " + len + " nonce " + nonceLength + " direct " + direct
                                        + ": differs from " + engines.get(0).name());
                            }
                            byte[] opened = open(e, k, nonce, aad, reference, direct);
                            if (opened == null || !java.util.Arrays.equals(opened, plain)) {
                                failures.add(e.name() + " len " + len + " nonce " + nonceLength + ": cannot open");
                            }
                            byte[] inPlace = sealInPlace(e, k, nonce, aad, plain, direct);
                            if (!java.util.Arrays.equals(reference, inPlace)) {
                                failures.add(e.name() + " len " + len + " nonce " + nonceLength + " direct " + direct
                                        + ": in-place seal differs");
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void everyFlippedBitIsRejected_byEveryEngine() {
        Random rnd = new Random(1305);
        List<String> failures = new ArrayList<>();
        for (ChaChaEngine e : ChaChaEngines.available()) {
            for (int nonceLength : new int[] {12, 24}) {
                byte[] key = bytes(rnd, 32);
                byte[] nonce = bytes(rnd, nonceLength);
                byte[] aad = bytes(rnd, 7);
                try (ChaChaEngine.Key k = e.key(key)) {
                    byte[] sealed = seal(e, k, nonce, aad, bytes(rnd, 24), false);
                    for (int bit = 0; bit < sealed.length * 8; bit++) {
                        byte[] bad = sealed.clone();
                        bad[bit / 8] ^= (byte) (1 << (bit % 8));
                        if (open(e, k, nonce, aad, bad, false) != null) {
                            failures.add(e.name() + " nonce " + nonceLength + " bit " + bit + " accepted");
                        }
                    }
                    for (int bit = 0; bit < aad.length * 8; bit++) {
                        byte[] badAad = aad.clone();
                        badAad[bit / 8] ^= (byte) (1 << (bit % 8));
                        if (open(e, k, nonce, badAad, sealed, false) != null) {
                            failures.add(e.name() + " nonce " + nonceLength + " aad bit " + bit + " accepted");
                        }
                    }
                    byte[] otherNonce = nonce.clone();
                    otherNonce[nonceLength - 1] ^= 1;
                    if (open(e, k, otherNonce, aad, sealed, false) != null) {
                        failures.add(e.name() + " wrong nonce accepted");
                    }
                    for (int cut : new int[] {1, 16, sealed.length}) {
                        byte[] shorter = java.util.Arrays.copyOf(sealed, sealed.length - cut);
                        if (open(e, k, nonce, aad, shorter, false) != null) {
                            failures.add(e.name() + " truncated by " + cut + " accepted");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void failedOpenLeavesTheInputWhereItWas() {
        for (ChaChaEngine e : ChaChaEngines.available()) {
            try (ChaChaEngine.Key k = e.key(new byte[32])) {
                ByteBuffer in = ByteBuffer.wrap(new byte[40]);
                ByteBuffer out = ByteBuffer.allocate(24);
                assertFalse(e.open(k, new byte[12], null, in, out), e.name());
                assertEquals(0, in.position(), e.name());
                assertEquals(0, out.position(), e.name());
            }
        }
    }

    @Test
    void badNonceLengthsAndClosedKeysAreRefused() {
        for (ChaChaEngine e : ChaChaEngines.available()) {
            ChaChaEngine.Key k = e.key(new byte[32]);
            for (int n : new int[] {0, 8, 11, 13, 16, 23, 25}) {
                assertThrows(IllegalArgumentException.class,
                        () -> e.seal(k, new byte[n], null, ByteBuffer.allocate(1), ByteBuffer.allocate(17)), e.name() + " " + n);
            }
            assertThrows(IllegalArgumentException.class, () -> e.key(new byte[31]), e.name());
            k.close();
            k.close();
            assertThrows(IllegalStateException.class,
                    () -> e.seal(k, new byte[12], null, ByteBuffer.allocate(1), ByteBuffer.allocate(17)), e.name());
            assertFalse(k.toString().contains("0000"), e.name());
        }
    }

    static byte[] seal(ChaChaEngine e, ChaChaEngine.Key k, byte[] nonce, byte[] aad, byte[] plain, boolean direct) {
        ByteBuffer in = buffer(plain, direct);
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(plain.length + 16 + 5) : ByteBuffer.allocate(plain.length + 16 + 5);
        out.position(5); // a buffer whose position is not 0
        out = out.slice();
        e.seal(k, nonce, aad == null ? null : buffer(aad, direct), in, out);
        assertEquals(0, in.remaining());
        assertEquals(plain.length + 16, out.position());
        return contents(out.flip());
    }

    static byte[] sealInPlace(ChaChaEngine e, ChaChaEngine.Key k, byte[] nonce, byte[] aad, byte[] plain, boolean direct) {
        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(plain.length + 16) : ByteBuffer.allocate(plain.length + 16);
        buf.put(plain).flip();
        ByteBuffer out = buf.duplicate().clear();
        e.seal(k, nonce, buffer(aad, direct), buf, out);
        return contents(out.flip());
    }

    static byte[] open(ChaChaEngine e, ChaChaEngine.Key k, byte[] nonce, byte[] aad, byte[] sealed, boolean direct) {
        ByteBuffer out = direct ? ByteBuffer.allocateDirect(Math.max(0, sealed.length - 16))
                : ByteBuffer.allocate(Math.max(0, sealed.length - 16));
        if (!e.open(k, nonce, buffer(aad, direct), buffer(sealed, direct), out)) {
            return null;
        }
        return contents(out.flip());
    }

    private static ByteBuffer buffer(byte[] b, boolean direct) {
        if (!direct) {
            byte[] padded = new byte[b.length + 3];
            System.arraycopy(b, 0, padded, 3, b.length);
            return ByteBuffer.wrap(padded, 3, b.length); // position 3: offsets must be honoured
        }
        ByteBuffer d = ByteBuffer.allocateDirect(b.length + 3);
        d.position(3);
        d.put(b);
        return d.position(3);
    }

    private static byte[] contents(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    private static byte[] bytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
