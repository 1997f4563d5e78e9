package org.otpi.protocol.format;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The OTPi v2 package header. The whole header is covered by the one-time MAC.
 *
 * <pre>
 *   offset size field
 *    0      4   magic "OTP2"
 *    4      1   version = 2
 *    5      1   flags: bit 0 = length-padded, bit 1 = pad expired (sender retires the pad);
 *               other bits must be 0
 *    6     16   pad id (the pad's first 16 bytes)
 *   22      8   index, big-endian: absolute pad offset of the first pad byte used
 *   30      8   ack, big-endian: bytes of the receiver's own stream the sender has opened so far
 *               (an authenticated acknowledgement; the armored format shows it as an offset)
 *   38      4   ciphertext length n, big-endian
 *   42      n   ciphertext = p_text XOR m'
 *   42+n   16   tag = Poly1305(p_key, header || ciphertext)   (RFC 8439 Poly1305, one-time key)
 *   pad segments, consecutive in the sender's direction: p_key (32), then p_text (n)
 *   pad cost = n + 32
 * </pre>
 *
 * <p>The key comes first in the stream so that files can be sealed and verified in one pass.
 * Wegman–Carter: a fresh one-time key per message gives integrity that does not rest on any
 * computational assumption (forgery probability about 8·⌈n/16⌉/2^106 per attempt).
 */
public record V2Header(int flags, byte[] padId, long index, long ack, long length) {
    public static final int LENGTH = 42;
    public static final int TAG_LENGTH = 16;
    public static final int KEY_LENGTH = 32;
    public static final int FLAG_PADDED = 1;
    public static final int FLAG_EXPIRED = 2;
    public static final long MAX_LENGTH = 0xFFFF_FFFFL;
    static final byte[] MAGIC = {'O', 'T', 'P', '2'};
    static final int VERSION = 2;
    private static final int KNOWN_FLAGS = FLAG_PADDED | FLAG_EXPIRED;

    public V2Header {
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown flags");
        }
        if (padId == null || padId.length != 16) {
            throw new IllegalArgumentException("pad id must be 16 bytes");
        }
        if (index < 0 || ack < 0 || length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("index or length out of range");
        }
        padId = padId.clone();
    }

    public boolean padded() {
        return (flags & FLAG_PADDED) != 0;
    }

    public boolean expired() {
        return (flags & FLAG_EXPIRED) != 0;
    }

    /** Pad bytes used by a package with this header. */
    public long padCost() {
        return length + KEY_LENGTH;
    }

    public byte[] toBytes() {
        return ByteBuffer.allocate(LENGTH).put(MAGIC).put((byte) VERSION).put((byte) flags).put(padId)
                .putLong(index).putLong(ack).putInt((int) length).array();
    }

    /** Parses the first {@link #LENGTH} bytes of {@code bytes}. */
    public static V2Header parse(byte[] bytes) throws MalformedPackageException {
        if (bytes == null || bytes.length < LENGTH) {
            throw new MalformedPackageException("package too short");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, LENGTH);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new MalformedPackageException("not an OTPi v2 package");
        }
        int version = b.get() & 0xFF;
        if (version != VERSION) {
            throw new MalformedPackageException("unsupported version " + version);
        }
        int flags = b.get() & 0xFF;
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new MalformedPackageException("unknown flags");
        }
        byte[] padId = new byte[16];
        b.get(padId);
        long index = b.getLong();
        long ack = b.getLong();
        long length = b.getInt() & 0xFFFF_FFFFL;
        if (index < 0 || ack < 0) {
            throw new MalformedPackageException("index out of range");
        }
        return new V2Header(flags, padId, index, ack, length);
    }

    /** Whether {@code bytes} start with the v2 magic. */
    public static boolean looksLikeV2(byte[] bytes) {
        return bytes != null && bytes.length >= 4 && Arrays.equals(Arrays.copyOf(bytes, 4), MAGIC);
    }

    /**
     * The padded length for a message of {@code n} bytes when length padding is on: 4 bytes of
     * length plus the message, rounded up to a power of two (at least 64) up to 4 KiB, and to a
     * multiple of 4 KiB above that, so padding never costs more than 4 KiB of pad beyond the
     * first bucket.
     */
    public static long paddedLength(long n) {
        long need = n + 4;
        if (need <= 4096) {
            long p = 64;
            while (p < need) {
                p <<= 1;
            }
            return p;
        }
        return (need + 4095) / 4096 * 4096;
    }

    @Override
    public byte[] padId() {
        return padId.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof V2Header h && h.flags == flags && Arrays.equals(h.padId, padId)
                && h.index == index && h.ack == ack && h.length == length;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(padId) * 31 + Long.hashCode(index);
    }

    @Override
    public String toString() {
        return "V2Header[flags=" + flags + ", pad=" + HexFormat.of().formatHex(padId) + ", index=" + index
                + ", ack=" + ack + ", length=" + length + "]";
    }
}
