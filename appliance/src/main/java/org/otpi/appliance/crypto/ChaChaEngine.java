package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;

/**
 * One implementation of the ChaCha20-Poly1305 family: RFC 8439's AEAD (12-byte nonce) and
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, 24-byte nonce). {@link ChaChaEngines#best()}
 * picks one at start: libsodium through JNA where the library is installed (native speed on
 * every JDK), else the JDK's cipher (with Bouncy Castle for XChaCha20).
 *
 * <p>Callers pass the nonce, so this is not the API to use for new data: use
 * {@link XChaCha20Poly1305} (random nonces chosen inside) for data at rest, and
 * {@link InsecureNonceChaCha20Poly1305} where a format fixes the nonce (the tunnel's wire format,
 * the journal's record numbers). The nonce length selects the construction: 12 bytes for
 * RFC 8439, 24 for XChaCha20; anything else is refused.
 *
 * <pre>
 *   seal: out &lt;- ciphertext (in.remaining() bytes) || tag (16)    in and out advance
 *   open: out &lt;- plaintext (in.remaining() - 16 bytes)            only if the tag is right
 * </pre>
 *
 * <p>Buffers may be heap or direct; {@code in} and {@code out} must not overlap unless they are
 * the same region. Thread-safety: engines and keys are safe to share between threads.
 */
public interface ChaChaEngine {
    int KEY_LENGTH = 32;
    int NONCE_LENGTH = 12;
    int XNONCE_LENGTH = 24;
    int TAG_LENGTH = 16;

    /** A short name for logs and {@code health}, e.g. {@code "libsodium 1.0.18"} or {@code "jdk"}. */
    String name();

    /** A key for this engine (a copy of {@code raw}, 32 bytes); close it to wipe the copy. */
    Key key(byte[] raw);

    /** Encrypts and authenticates {@code in} into {@code out} (ciphertext then tag). */
    void seal(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out);

    /**
     * Checks and decrypts {@code in} (ciphertext then tag) into {@code out}. Returns false, with
     * {@code out} unchanged past its position and neither buffer advanced, if the tag is wrong.
     */
    boolean open(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out);

    /** A key held by an engine. {@code toString()} never shows it. */
    interface Key extends AutoCloseable {
        /** Wipes the engine's copy of the key. Idempotent. */
        @Override
        void close();
    }

    /** Checks a nonce's length and says whether it is an XChaCha20 nonce. */
    static boolean extended(byte[] nonce) {
        if (nonce.length == NONCE_LENGTH) {
            return false;
        }
        if (nonce.length == XNONCE_LENGTH) {
            return true;
        }
        throw new IllegalArgumentException("a nonce has 12 (RFC 8439) or 24 (XChaCha20) bytes");
    }
}
