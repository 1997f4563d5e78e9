package org.otpi.appliance.tunnel;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.otpi.appliance.crypto.ChaChaEngine;

/**
 * One direction's half of one slot, ready for the AEAD: slot auth tag, nonce prefix, and the key
 * held by the engine. Immutable after construction; {@link #wipe()} zeroes what we can, and a key
 * that is dropped without {@code wipe()} (evicted from a cache while another thread may still
 * use it) is wiped by a cleaner once unreachable. toString never shows secrets.
 */
final class DirectionKey {

    private static final Cleaner CLEANER = Cleaner.create();

    final long slot;
    final Direction direction;
    private final byte[] authTag;
    private final byte[] noncePrefix;
    private final ChaChaEngine.Key aeadKey;
    private final Cleaner.Cleanable cleanable;

    private DirectionKey(long slot, Direction direction, byte[] authTag, byte[] noncePrefix, byte[] key,
            AeadEngine engine) {
        this.slot = slot;
        this.direction = direction;
        this.authTag = authTag;
        this.noncePrefix = noncePrefix;
        try {
            this.aeadKey = engine.key(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
        ChaChaEngine.Key k = aeadKey; // the action must not hold this object
        this.cleanable = CLEANER.register(this, k::close);
    }

    /** Extracts {@code direction}'s half; returns null if that half was destroyed. */
    static DirectionKey from(SlotSecret secret, long slot, Direction direction, AeadEngine engine) {
        if (secret.isDestroyed(direction)) {
            return null;
        }
        return new DirectionKey(slot, direction,
                secret.half(direction, ProtocolConstants.HALF_TAG_OFFSET, ProtocolConstants.AUTH_TAG_SIZE),
                secret.half(direction, ProtocolConstants.HALF_NONCE_OFFSET, ProtocolConstants.NONCE_PREFIX_SIZE),
                secret.half(direction, ProtocolConstants.HALF_KEY_OFFSET, ProtocolConstants.KEY_SIZE), engine);
    }

    ChaChaEngine.Key aeadKey() {
        return aeadKey;
    }

    /** Writes the 16-byte slot auth tag at {@code out[offset]}. */
    void writeAuthTag(byte[] out, int offset) {
        System.arraycopy(authTag, 0, out, offset, authTag.length);
    }

    void writeAuthTag(ByteBuffer out, int offset) {
        out.put(offset, authTag);
    }

    /** Constant-time comparison of the header's auth tag at {@code in[offset]} with ours. */
    boolean authTagMatches(ByteBuffer in, int offset) {
        int diff = 0;
        for (int i = 0; i < authTag.length; i++) {
            diff |= authTag[i] ^ in.get(offset + i);
        }
        return diff == 0;
    }

    /** Constant-time comparison of the header's auth tag with ours. */
    boolean authTagMatches(byte[] in, int offset) {
        int diff = 0;
        for (int i = 0; i < authTag.length; i++) {
            diff |= authTag[i] ^ in[offset + i];
        }
        return diff == 0;
    }

    /** nonce = nonce_prefix[0..8] || low 32 bits of seq, big-endian (the note). */
    byte[] nonce(long seq) {
        byte[] n = new byte[ProtocolConstants.SLOT_NONCE_SIZE];
        System.arraycopy(noncePrefix, 0, n, 0, ProtocolConstants.NONCE_PREFIX_SIZE);
        n[8] = (byte) (seq >>> 24);
        n[9] = (byte) (seq >>> 16);
        n[10] = (byte) (seq >>> 8);
        n[11] = (byte) seq;
        return n;
    }

    /** Zeroes our copies and the engine's (the JDK's key objects may keep their own: best effort). */
    void wipe() {
        Arrays.fill(authTag, (byte) 0);
        Arrays.fill(noncePrefix, (byte) 0);
        cleanable.clean();
    }

    @Override
    public String toString() {
        return "DirectionKey[slot=" + slot + ", " + direction + ", redacted]";
    }
}
