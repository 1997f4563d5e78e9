package org.otpi.appliance.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

class XChaCha20Poly1305Test {

    @Test
    void everyEncryptionDrawsAFreshNonce_andEveryEngineOpensIt() throws Exception {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 7);
        byte[] plain = "pad chunk".getBytes();
        Set<String> nonces = new HashSet<>();
        for (ChaChaEngine sealer : ChaChaEngines.available()) {
            try (XChaCha20Poly1305 a = new XChaCha20Poly1305(sealer, key)) {
                for (int i = 0; i < 1000; i++) {
                    byte[] sealed = a.encrypt(plain, 0, plain.length, new byte[] {1});
                    assertEquals(plain.length + XChaCha20Poly1305.OVERHEAD, sealed.length);
                    nonces.add(HexFormat.of().formatHex(sealed, 0, XChaCha20Poly1305.NONCE_LENGTH));
                    for (ChaChaEngine opener : ChaChaEngines.available()) {
                        try (XChaCha20Poly1305 b = new XChaCha20Poly1305(opener, key)) {
                            assertArrayEquals(plain, b.decrypt(sealed, 0, sealed.length, new byte[] {1}));
                        }
                    }
                }
            }
        }
        assertEquals(1000 * ChaChaEngines.available().size(), nonces.size(), "a nonce repeated");
    }

    @Test
    void tamperedNonceCiphertextTagOrAad_isRejected() throws Exception {
        try (XChaCha20Poly1305 a = new XChaCha20Poly1305(new byte[32])) {
            byte[] sealed = a.encrypt(new byte[10], 0, 10, null);
            for (int i = 0; i < sealed.length; i++) {
                byte[] bad = sealed.clone();
                bad[i] ^= 0x40;
                assertThrows(AEADBadTagException.class, () -> a.decrypt(bad, 0, bad.length, null), "byte " + i);
            }
            assertThrows(AEADBadTagException.class, () -> a.decrypt(sealed, 0, sealed.length, new byte[] {0}));
            assertThrows(AEADBadTagException.class, () -> a.decrypt(sealed, 0, 39, null));
        }
    }
}
