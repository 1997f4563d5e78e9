package org.otpi.appliance.crypto;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * ChaCha20-Poly1305 (RFC 8439) with a nonce chosen by the caller. The name is a warning: the
 * caller must guarantee that a (key, nonce) pair is never used twice, and every caller in OTPi
 * takes its nonces from a durable counter it owns (journal record numbers with a random per-file
 * key; pad chunk write counters reserved in the journal). Uses the JDK's provider, which is
 * the fast one on current JDKs (see STACK.md).
 *
 * <p>Thread-safety: instances are immutable and safe to share; a Cipher is made per call.
 * {@link #close()} zeroes the key copy held here.
 */
public final class InsecureNonceChaCha20Poly1305 implements AutoCloseable {
    public static final int KEY_LENGTH = 32;
    public static final int NONCE_LENGTH = 12;
    public static final int TAG_LENGTH = 16;

    private final byte[] key;

    public InsecureNonceChaCha20Poly1305(byte[] key) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("key must be 32 bytes");
        }
        this.key = key.clone();
    }

    /** Encrypts {@code plaintext[off, off+len)}; returns ciphertext || tag. */
    public byte[] seal(byte[] nonce, byte[] plaintext, int off, int len, byte[] aad) {
        try {
            Cipher c = init(Cipher.ENCRYPT_MODE, nonce);
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(plaintext, off, len);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 unavailable", e);
        }
    }

    /** Decrypts ciphertext || tag; throws {@link AEADBadTagException} on any tampering. */
    public byte[] open(byte[] nonce, byte[] sealed, int off, int len, byte[] aad) throws AEADBadTagException {
        try {
            Cipher c = init(Cipher.DECRYPT_MODE, nonce);
            if (aad != null) {
                c.updateAAD(aad);
            }
            return c.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ChaCha20-Poly1305 unavailable", e);
        }
    }

    private Cipher init(int mode, byte[] nonce) throws GeneralSecurityException {
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be 12 bytes");
        }
        Cipher c = Cipher.getInstance("ChaCha20-Poly1305");
        c.init(mode, new SecretKeySpec(key, "ChaCha20"), new IvParameterSpec(nonce));
        return c;
    }

    @Override
    public void close() {
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public String toString() {
        return "InsecureNonceChaCha20Poly1305[key hidden]";
    }
}
