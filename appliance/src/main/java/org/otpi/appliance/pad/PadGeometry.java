package org.otpi.appliance.pad;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where each person's half of a pad lies and how a stream offset maps to an absolute pad index.
 *
 * <pre>
 *   0        16                      split                       size
 *   +--------+-------------------------+---------------------------+
 *   | pad id | Person 0 --&gt;            |            &lt;-- Person 1   |
 *   +--------+-------------------------+---------------------------+
 * </pre>
 *
 * <p>Person 0 consumes {@code [16, split)} starting at 16; Person 1 consumes {@code [split, size)}
 * starting at {@code size - 1}. A "stream offset" counts bytes consumed by one person from its
 * start; the "index" of a package is the absolute offset of the first pad byte it uses. Immutable.
 */
public record PadGeometry(long size, long split) {

    /** Bytes at the start of every pad that form its public id and are never used to encrypt. */
    public static final int PAD_ID_LENGTH = 16;

    public PadGeometry {
        if (size < PAD_ID_LENGTH + 2) {
            throw new IllegalArgumentException("pad too small");
        }
        if (split <= PAD_ID_LENGTH || split >= size) {
            throw new IllegalArgumentException("split outside the pad");
        }
    }

    /** The default split: the middle of the usable bytes. */
    public static PadGeometry withDefaultSplit(long size) {
        if (size < PAD_ID_LENGTH + 2) {
            throw new IllegalArgumentException("pad too small");
        }
        return new PadGeometry(size, PAD_ID_LENGTH + (size - PAD_ID_LENGTH) / 2);
    }

    /**
     * Person 0 or 1 by comparing ids as unsigned UTF-8 bytes (the CDOTP rule: no consultation
     * needed). Equal ids cannot share a pad.
     */
    public static Direction directionOf(String localId, String remoteId) {
        int c = Arrays.compareUnsigned(localId.getBytes(StandardCharsets.UTF_8),
                remoteId.getBytes(StandardCharsets.UTF_8));
        if (c == 0) {
            throw new IllegalArgumentException("both people have the same id");
        }
        return c < 0 ? Direction.FORWARD : Direction.BACKWARD;
    }

    /** Bytes this direction may consume in total. */
    public long capacity(Direction d) {
        return d == Direction.FORWARD ? split - PAD_ID_LENGTH : size - split;
    }

    /** Absolute index of the byte at {@code streamOffset} of direction {@code d}. */
    public long indexOf(Direction d, long streamOffset) {
        checkStream(d, streamOffset, 1);
        return d == Direction.FORWARD ? PAD_ID_LENGTH + streamOffset : size - 1 - streamOffset;
    }

    /** Stream offset of absolute {@code index} in direction {@code d}, or -1 if not in d's half. */
    public long streamOffsetOf(Direction d, long index) {
        if (d == Direction.FORWARD) {
            return index >= PAD_ID_LENGTH && index < split ? index - PAD_ID_LENGTH : -1;
        }
        return index >= split && index < size ? size - 1 - index : -1;
    }

    /** True if {@code length} bytes from stream offset {@code from} lie inside d's half. */
    public boolean fits(Direction d, long from, long length) {
        return from >= 0 && length >= 0 && from <= capacity(d) && length <= capacity(d) - from;
    }

    /** The absolute range [lo, hi) covered by {@code length} stream bytes from {@code from}. */
    public long[] absoluteRange(Direction d, long from, long length) {
        checkStream(d, from, length);
        if (d == Direction.FORWARD) {
            return new long[] {PAD_ID_LENGTH + from, PAD_ID_LENGTH + from + length};
        }
        return new long[] {size - from - length, size - from};
    }

    private void checkStream(Direction d, long from, long length) {
        if (!fits(d, from, length)) {
            throw new IllegalArgumentException("outside this person's half of the pad");
        }
    }
}
