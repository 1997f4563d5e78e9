package org.otpi.protocol.format;

import java.util.Arrays;

/**
 * The One Time Chat package (the paper, section 5), parsed without any pad.
 *
 * <pre>
 *   package    = i (6 bytes, little-endian) || (p_body XOR body)
 *   body       = ciphertext || tag           |body| = |m| + 32
 *   ciphertext = p_text XOR m
 *   tag        = HMAC-SHA256(p_key, i || ciphertext)     |p_key| = 16
 *   pad segments, consecutive in the sender's direction: p_text, p_body, p_key
 *   pad cost   = 2|m| + 48
 * </pre>
 *
 * @param index     absolute pad offset of the first pad byte used (the first byte of p_text)
 * @param maskedBody p_body XOR body (|m| + 32 bytes)
 */
public record OtcV1Package(long index, byte[] maskedBody) {
    public static final int INDEX_LENGTH = 6;
    public static final int TAG_LENGTH = 32;
    public static final int KEY_LENGTH = 16;
    public static final long MAX_INDEX = (1L << 48) - 1;

    public OtcV1Package {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("index out of range");
        }
        if (maskedBody.length < TAG_LENGTH) {
            throw new IllegalArgumentException("body too short");
        }
        maskedBody = maskedBody.clone();
    }

    /** Length of the message inside. */
    public int messageLength() {
        return maskedBody.length - TAG_LENGTH;
    }

    /** Pad bytes a message of {@code messageLength} costs. */
    public static long padCost(long messageLength) {
        return 2 * messageLength + TAG_LENGTH + KEY_LENGTH;
    }

    /** The 6-byte little-endian encoding of an index. */
    public static byte[] encodeIndex(long index) {
        if (index < 0 || index > MAX_INDEX) {
            throw new IllegalArgumentException("index out of range");
        }
        byte[] b = new byte[INDEX_LENGTH];
        for (int k = 0; k < INDEX_LENGTH; k++) {
            b[k] = (byte) (index >>> (8 * k));
        }
        return b;
    }

    /** Parses a package; rejects anything too short to hold an index and a tag. */
    public static OtcV1Package parse(byte[] bytes) throws MalformedPackageException {
        if (bytes == null || bytes.length < INDEX_LENGTH + TAG_LENGTH) {
            throw new MalformedPackageException("package too short");
        }
        long index = 0;
        for (int k = 0; k < INDEX_LENGTH; k++) {
            index |= (bytes[k] & 0xFFL) << (8 * k);
        }
        return new OtcV1Package(index, Arrays.copyOfRange(bytes, INDEX_LENGTH, bytes.length));
    }

    /** The wire bytes. */
    public byte[] toBytes() {
        byte[] out = new byte[INDEX_LENGTH + maskedBody.length];
        System.arraycopy(encodeIndex(index), 0, out, 0, INDEX_LENGTH);
        System.arraycopy(maskedBody, 0, out, INDEX_LENGTH, maskedBody.length);
        return out;
    }

    @Override
    public byte[] maskedBody() {
        return maskedBody.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OtcV1Package p && p.index == index && Arrays.equals(p.maskedBody, maskedBody);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(index) * 31 + Arrays.hashCode(maskedBody);
    }

    @Override
    public String toString() {
        return "OtcV1Package[index=" + index + ", messageLength=" + messageLength() + "]";
    }
}
