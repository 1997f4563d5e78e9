package org.otpi.appliance.tunnel;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.otpi.appliance.crypto.ChaChaEngine;
import org.otpi.appliance.crypto.ChaChaEngines;

/**
 * The tunnel's ChaCha20-Poly1305 (RFC 8439): one of the {@link ChaChaEngine}s (libsodium, the
 * JDK's cipher, Bouncy Castle) used the way the PSK note's wire format needs it: the datagram
 * header is the associated data, the nonce comes from {@link DirectionKey#nonce(long)}, i.e. from
 * the sequence number the session allocated, so callers never choose a nonce.
 *
 * <p>Thread-safe (engines are).
 */
public final class AeadEngine {

    private static volatile AeadEngine best;

    private final ChaChaEngine engine;

    private AeadEngine(ChaChaEngine engine) {
        this.engine = engine;
    }

    /** The process's engine ({@link ChaChaEngines#best()}: libsodium when installed, else the JDK's). */
    public static AeadEngine best() {
        AeadEngine b = best;
        if (b == null) {
            b = new AeadEngine(ChaChaEngines.best());
            best = b;
        }
        return b;
    }

    /**
     * {@code auto} (the best), {@code sodium}, {@code jdk} or {@code bouncycastle}.
     *
     * @throws IllegalArgumentException if the name is unknown or that engine does not work here
     */
    public static AeadEngine named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto") || n.equals("best")) {
            return best();
        }
        ChaChaEngine e = ChaChaEngines.create(n);
        if (e == null) {
            throw new IllegalArgumentException("AEAD engine " + name + " is not usable here");
        }
        return new AeadEngine(e);
    }

    /** Every engine that works here, the best first (tests and benchmarks). */
    public static List<AeadEngine> available() {
        List<AeadEngine> out = new ArrayList<>();
        for (ChaChaEngine e : ChaChaEngines.available()) {
            out.add(new AeadEngine(e));
        }
        return out;
    }

    /** E.g. {@code "libsodium 1.0.18"}, {@code "jdk"}. */
    public String name() {
        return engine.name();
    }

    ChaChaEngine.Key key(byte[] raw) {
        return engine.key(raw);
    }

    /**
     * Seals in place: the header (the AAD) is at {@code buf[off, off+32)}, the plaintext at
     * {@code buf[off+32, off+32+len)}; it becomes ciphertext followed by the 16-byte tag.
     */
    void sealInPlace(DirectionKey key, long seq, ByteBuffer buf, int off, int len) {
        int body = off + ProtocolConstants.HEADER_SIZE;
        engine.seal(key.aeadKey(), key.nonce(seq), buf.slice(off, ProtocolConstants.HEADER_SIZE),
                buf.slice(body, len), buf.slice(body, len + ProtocolConstants.AEAD_TAG_SIZE));
    }

    /**
     * Opens the whole datagram at {@code in[off, off+len)} (header, ciphertext, tag) into
     * {@code out[outOff, outOff+len-48)}. Returns false, writing nothing, if the tag is wrong.
     */
    boolean open(DirectionKey key, long seq, ByteBuffer in, int off, int len, ByteBuffer out, int outOff) {
        int ct = len - ProtocolConstants.HEADER_SIZE;
        return engine.open(key.aeadKey(), key.nonce(seq), in.slice(off, ProtocolConstants.HEADER_SIZE),
                in.slice(off + ProtocolConstants.HEADER_SIZE, ct),
                out.slice(outOff, ct - ProtocolConstants.AEAD_TAG_SIZE));
    }

    @Override
    public String toString() {
        return name();
    }
}
