package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) with a fresh random 192-bit nonce for every
 * encryption, chosen here: the caller cannot pick one. This is what makes the vault's data at rest
 * safe against a rolled-back medium: no nonce depends on a counter that an old copy of the
 * medium could bring back, and 2^96 encryptions under one key keep the chance of a repeat below
 * 2^-96.
 *
 * <pre>
 *   sealed = nonce 24 | ciphertext | tag 16          (OVERHEAD = 40 bytes)
 * </pre>
 *
 * <p>Runs on {@link ChaChaEngines#best()}. Thread-safety: safe to share. {@link #close()} wipes
 * the key.
 */
public final class XChaCha20Poly1305 implements AutoCloseable {
    public static final int NONCE_LENGTH = ChaChaEngine.XNONCE_LENGTH;
    public static final int TAG_LENGTH = ChaChaEngine.TAG_LENGTH;
    public static final int OVERHEAD = NONCE_LENGTH + TAG_LENGTH;

    private static final SecureRandom RANDOM = new SecureRandom();
    private final ChaChaEngine engine;
    private final ChaChaEngine.Key key;

    public XChaCha20Poly1305(byte[] key) {
        this(ChaChaEngines.best(), key);
    }

    public XChaCha20Poly1305(ChaChaEngine engine, byte[] key) {
        this.engine = engine;
        this.key = engine.key(key);
    }

    /** Encrypts {@code plaintext[off, off+len)}; returns nonce || ciphertext || tag. */
    public byte[] encrypt(byte[] plaintext, int off, int len, byte[] aad) {
        byte[] out = new byte[len + OVERHEAD];
        encrypt(ByteBuffer.wrap(plaintext, off, len), aad == null ? null : ByteBuffer.wrap(aad), ByteBuffer.wrap(out));
        return out;
    }

    /** Encrypts {@code in} into {@code out} as nonce || ciphertext || tag; both advance. */
    public void encrypt(ByteBuffer in, ByteBuffer aad, ByteBuffer out) {
        byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        out.put(nonce);
        engine.seal(key, nonce, aad, in, out);
    }

    /** Decrypts nonce || ciphertext || tag; throws {@link AEADBadTagException} on any tampering. */
    public byte[] decrypt(byte[] sealed, int off, int len, byte[] aad) throws AEADBadTagException {
        if (len < OVERHEAD) {
            throw new AEADBadTagException("too short");
        }
        byte[] out = new byte[len - OVERHEAD];
        decrypt(ByteBuffer.wrap(sealed, off, len), aad == null ? null : ByteBuffer.wrap(aad), ByteBuffer.wrap(out));
        return out;
    }

    /**
     * Decrypts {@code in} (nonce || ciphertext || tag, all of its remaining bytes) into {@code out};
     * throws {@link AEADBadTagException}, with neither buffer advanced, on any tampering.
     */
    public void decrypt(ByteBuffer in, ByteBuffer aad, ByteBuffer out) throws AEADBadTagException {
        if (in.remaining() < OVERHEAD) {
            throw new AEADBadTagException("too short");
        }
        int start = in.position();
        byte[] nonce = new byte[NONCE_LENGTH];
        in.get(nonce);
        if (!engine.open(key, nonce, aad, in, out)) {
            in.position(start);
            throw new AEADBadTagException("XChaCha20-Poly1305 tag mismatch");
        }
    }

    @Override
    public void close() {
        key.close();
    }

    @Override
    public String toString() {
        return "XChaCha20Poly1305[key hidden]";
    }
}
