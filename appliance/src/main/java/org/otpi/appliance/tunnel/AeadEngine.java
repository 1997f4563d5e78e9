package org.otpi.appliance.tunnel;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;

/**
 * ChaCha20-Poly1305 (RFC 8439) from the JDK or from Bouncy Castle; the tunnel measures both
 * (docs/tunnel.md). Both take the nonce from {@link DirectionKey#nonce(long)}, i.e. from the
 * sequence number the session allocated: callers never choose a nonce.
 *
 * <p>Thread-safe: one cipher object per thread.
 */
public enum AeadEngine {
    /** The JDK's "ChaCha20-Poly1305" cipher (fast with intrinsics on newer JDKs). */
    JDK {
        private final ThreadLocal<Cipher> encryptor = ThreadLocal.withInitial(AeadEngine::newJdkCipher);
        private final ThreadLocal<Cipher> decryptor = ThreadLocal.withInitial(AeadEngine::newJdkCipher);

        @Override
        int seal(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
                byte[] out, int outOff) {
            try {
                Cipher c = encryptor.get();
                c.init(Cipher.ENCRYPT_MODE, key.jdkKey, new IvParameterSpec(key.nonce(seq)));
                c.updateAAD(aad, aadOff, ProtocolConstants.HEADER_SIZE);
                return c.doFinal(in, inOff, len, out, outOff);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("seal failed", e);
            }
        }

        @Override
        int open(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
                byte[] out, int outOff) {
            return open(key, seq, aad, aadOff, in, inOff, len, out, outOff, true);
        }

        private int open(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
                byte[] out, int outOff, boolean retry) {
            try {
                Cipher c = decryptor.get();
                c.init(Cipher.DECRYPT_MODE, key.jdkKey, new IvParameterSpec(key.nonce(seq)));
                c.updateAAD(aad, aadOff, ProtocolConstants.HEADER_SIZE);
                return c.doFinal(in, inOff, len, out, outOff);
            } catch (AEADBadTagException e) {
                return -1;
            } catch (InvalidKeyException e) {
                // The JDK refuses a (key, nonce) equal to this cipher's previous one, even to
                // decrypt: a forged datagram with the same sequence must not block the real one.
                decryptor.remove();
                return retry ? open(key, seq, aad, aadOff, in, inOff, len, out, outOff, false) : -1;
            } catch (GeneralSecurityException e) {
                return -1;
            }
        }
    },

    /** Bouncy Castle's lightweight {@code ChaCha20Poly1305}. */
    BOUNCY_CASTLE {
        private final ThreadLocal<ChaCha20Poly1305> cipher = ThreadLocal.withInitial(ChaCha20Poly1305::new);

        @Override
        int seal(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
                byte[] out, int outOff) {
            ChaCha20Poly1305 c = cipher.get();
            c.init(true, new AEADParameters(key.bcKey, 128, key.nonce(seq)));
            c.processAADBytes(aad, aadOff, ProtocolConstants.HEADER_SIZE);
            int n = c.processBytes(in, inOff, len, out, outOff);
            try {
                return n + c.doFinal(out, outOff + n);
            } catch (InvalidCipherTextException e) {
                throw new IllegalStateException("seal failed", e);
            }
        }

        @Override
        int open(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
                byte[] out, int outOff) {
            ChaCha20Poly1305 c = cipher.get();
            c.init(false, new AEADParameters(key.bcKey, 128, key.nonce(seq)));
            c.processAADBytes(aad, aadOff, ProtocolConstants.HEADER_SIZE);
            int n = c.processBytes(in, inOff, len, out, outOff);
            try {
                return n + c.doFinal(out, outOff + n);
            } catch (InvalidCipherTextException e) {
                return -1;
            }
        }
    };

    private static Cipher newJdkCipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks ChaCha20-Poly1305", e);
        }
    }

    /** Encrypts {@code len} bytes; writes ciphertext || tag at {@code out[outOff]}; returns its length. */
    abstract int seal(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
            byte[] out, int outOff);

    /** Decrypts ciphertext || tag; returns the plaintext length, or -1 if authentication fails. */
    abstract int open(DirectionKey key, long seq, byte[] aad, int aadOff, byte[] in, int inOff, int len,
            byte[] out, int outOff);
}
