package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import javax.crypto.AEADBadTagException;

/**
 * ChaCha20-Poly1305 (RFC 8439) with a nonce chosen by the caller. The name is a warning: the
 * caller must guarantee that a (key, nonce) pair is never used twice. OTPi uses it only where a
 * format fixes the nonce and the key is unique to what the nonce counts: the tunnel (the PSK
 * note's wire format) and the vault header's one-time wrap under a fresh KEK. Data at rest uses
 * {@link XChaCha20Poly1305} instead, whose nonces are random.
 *
 * <p>Runs on {@link ChaChaEngines#best()}. Thread-safety: safe to share. {@link #close()}
 * wipes the key.
 */
public final class InsecureNonceChaCha20Poly1305 implements AutoCloseable {
    public static final int KEY_LENGTH = ChaChaEngine.KEY_LENGTH;
    public static final int NONCE_LENGTH = ChaChaEngine.NONCE_LENGTH;
    public static final int TAG_LENGTH = ChaChaEngine.TAG_LENGTH;

    private final ChaChaEngine engine;
    private final ChaChaEngine.Key key;

    public InsecureNonceChaCha20Poly1305(byte[] key) {
        this(ChaChaEngines.best(), key);
    }

    public InsecureNonceChaCha20Poly1305(ChaChaEngine engine, byte[] key) {
        if (key.length != KEY_LENGTH) {
            throw new IllegalArgumentException("key must be 32 bytes");
        }
        this.engine = engine;
        this.key = engine.key(key);
    }

    /** Encrypts {@code plaintext[off, off+len)}; returns ciphertext || tag. */
    public byte[] seal(byte[] nonce, byte[] plaintext, int off, int len, byte[] aad) {
        checkNonce(nonce);
        byte[] out = new byte[len + TAG_LENGTH];
        engine.seal(key, nonce, aad == null ? null : ByteBuffer.wrap(aad), ByteBuffer.wrap(plaintext, off, len),
                ByteBuffer.wrap(out));
        return out;
    }

    /** Decrypts ciphertext || tag; throws {@link AEADBadTagException} on any tampering. */
    public byte[] open(byte[] nonce, byte[] sealed, int off, int len, byte[] aad) throws AEADBadTagException {
        checkNonce(nonce);
        if (len < TAG_LENGTH) {
            throw new AEADBadTagException("too short");
        }
        byte[] out = new byte[len - TAG_LENGTH];
        if (!engine.open(key, nonce, aad == null ? null : ByteBuffer.wrap(aad), ByteBuffer.wrap(sealed, off, len),
                ByteBuffer.wrap(out))) {
            throw new AEADBadTagException("ChaCha20-Poly1305 tag mismatch");
        }
        return out;
    }

    private static void checkNonce(byte[] nonce) {
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be 12 bytes");
        }
    }

    @Override
    public void close() {
        key.close();
    }

    @Override
    public String toString() {
        return "InsecureNonceChaCha20Poly1305[key hidden]";
    }
}
