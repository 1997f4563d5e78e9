package org.otpi.appliance.tunnel;

/**
 * The DATA datagram of the PSK-only tunnel note, byte for byte.
 *
 * <pre>
 *  0        4     5       6     7     8                      24                32
 *  +--------+-----+-------+-----+-----+----------------------+-----------------+
 *  | "PSK2" | ver | flags | dir | rsv | slot auth tag (16)   | sequence (8 BE) |  header = AAD
 *  +--------+-----+-------+-----+-----+----------------------+-----------------+
 *  | ChaCha20-Poly1305 ciphertext of the IP packet (n) | Poly1305 tag (16)     |
 *  +---------------------------------------------------+-----------------------+
 *  ver = 2, flags = 0, rsv = 0, dir = 0 initiator->responder, 1 back.
 *  slot  = sequence / 1000; key, nonce prefix and auth tag are that slot's half for dir.
 *  nonce = slot nonce[0..8] || (sequence mod 2^32) big-endian.
 * </pre>
 */
final class WireFormat {

    static final int OFF_MAGIC = 0;
    static final int OFF_VERSION = 4;
    static final int OFF_FLAGS = 5;
    static final int OFF_DIRECTION = 6;
    static final int OFF_RESERVED = 7;
    static final int OFF_AUTH_TAG = 8;
    static final int OFF_SEQ = 24;
    /** Shortest valid datagram: header and an empty ciphertext's tag. */
    static final int MIN_DATAGRAM = ProtocolConstants.HEADER_SIZE + ProtocolConstants.AEAD_TAG_SIZE;

    private WireFormat() {
    }

    static void writeHeader(byte[] out, int off, Direction dir, DirectionKey key, long seq) {
        putInt(out, off + OFF_MAGIC, ProtocolConstants.MAGIC);
        out[off + OFF_VERSION] = (byte) ProtocolConstants.VERSION;
        out[off + OFF_FLAGS] = (byte) ProtocolConstants.FLAGS;
        out[off + OFF_DIRECTION] = (byte) dir.wire();
        out[off + OFF_RESERVED] = (byte) ProtocolConstants.RESERVED;
        key.writeAuthTag(out, off + OFF_AUTH_TAG);
        putLong(out, off + OFF_SEQ, seq);
    }

    /** True if magic and version are the note's; flags and reserved are not checked (the note ignores them). */
    static boolean isData(byte[] in, int off, int len) {
        return len >= ProtocolConstants.HEADER_SIZE
                && getInt(in, off + OFF_MAGIC) == ProtocolConstants.MAGIC
                && (in[off + OFF_VERSION] & 0xff) == ProtocolConstants.VERSION;
    }

    static void writeHeader(java.nio.ByteBuffer out, int off, Direction dir, DirectionKey key, long seq) {
        out.putInt(off + OFF_MAGIC, ProtocolConstants.MAGIC);
        out.put(off + OFF_VERSION, (byte) ProtocolConstants.VERSION);
        out.put(off + OFF_FLAGS, (byte) ProtocolConstants.FLAGS);
        out.put(off + OFF_DIRECTION, (byte) dir.wire());
        out.put(off + OFF_RESERVED, (byte) ProtocolConstants.RESERVED);
        key.writeAuthTag(out, off + OFF_AUTH_TAG);
        out.putLong(off + OFF_SEQ, seq);
    }

    /** As {@link #isData(byte[], int, int)}, on a big-endian buffer. */
    static boolean isData(java.nio.ByteBuffer in, int off, int len) {
        return len >= ProtocolConstants.HEADER_SIZE
                && in.getInt(off + OFF_MAGIC) == ProtocolConstants.MAGIC
                && (in.get(off + OFF_VERSION) & 0xff) == ProtocolConstants.VERSION;
    }

    static long sequence(java.nio.ByteBuffer in, int off) {
        return in.getLong(off + OFF_SEQ);
    }

    static long sequence(byte[] in, int off) {
        return getLong(in, off + OFF_SEQ);
    }

    static long slotOf(long seq) {
        return seq / ProtocolConstants.PACKETS_PER_SLOT;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    static void putLong(byte[] b, int off, long v) {
        putInt(b, off, (int) (v >>> 32));
        putInt(b, off + 4, (int) v);
    }

    static long getLong(byte[] b, int off) {
        return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xffffffffL);
    }
}
