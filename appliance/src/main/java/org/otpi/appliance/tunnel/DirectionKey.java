package org.otpi.appliance.tunnel;

import java.util.Arrays;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * One direction's half of one slot, ready for the AEAD: slot auth tag, nonce prefix, key.
 * Immutable after construction; {@link #wipe()} zeroes what we can. toString never shows secrets.
 */
final class DirectionKey {

    final long slot;
    final Direction direction;
    private final byte[] authTag;
    private final byte[] noncePrefix;
    private final byte[] key;
    final SecretKeySpec jdkKey;
    final KeyParameter bcKey;

    private DirectionKey(long slot, Direction direction, byte[] authTag, byte[] noncePrefix, byte[] key) {
        this.slot = slot;
        this.direction = direction;
        this.authTag = authTag;
        this.noncePrefix = noncePrefix;
        this.key = key;
        this.jdkKey = new SecretKeySpec(key, "ChaCha20");
        this.bcKey = new KeyParameter(key);
    }

    /** Extracts {@code direction}'s half; returns null if that half was destroyed. */
    static DirectionKey from(SlotSecret secret, long slot, Direction direction) {
        if (secret.isDestroyed(direction)) {
            return null;
        }
        return new DirectionKey(slot, direction,
                secret.half(direction, ProtocolConstants.HALF_TAG_OFFSET, ProtocolConstants.AUTH_TAG_SIZE),
                secret.half(direction, ProtocolConstants.HALF_NONCE_OFFSET, ProtocolConstants.NONCE_PREFIX_SIZE),
                secret.half(direction, ProtocolConstants.HALF_KEY_OFFSET, ProtocolConstants.KEY_SIZE));
    }

    /** Writes the 16-byte slot auth tag at {@code out[offset]}. */
    void writeAuthTag(byte[] out, int offset) {
        System.arraycopy(authTag, 0, out, offset, authTag.length);
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

    /** Zeroes our copies (JCE and BC key objects may keep their own: best effort). */
    void wipe() {
        Arrays.fill(authTag, (byte) 0);
        Arrays.fill(noncePrefix, (byte) 0);
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public String toString() {
        return "DirectionKey[slot=" + slot + ", " + direction + ", redacted]";
    }
}
