package org.otpi.appliance.tunnel;

import java.util.Arrays;

/**
 * One 120-byte key slot held in memory, zeroed on {@link #close()}.
 *
 * <p>Only the tunnel package can read the bytes; a {@link SlotStore} outside the package creates
 * one with {@link #copyOf} and hands it over. {@code toString()} never shows key material.
 *
 * <p>Limits, stated plainly: the JVM may have copied the bytes (GC moves, JCE key objects made from
 * them); zeroing is best effort.
 *
 * <p>Not thread-safe; use from one thread and close it.
 */
public final class SlotSecret implements AutoCloseable {

    private final byte[] bytes;
    private boolean closed;

    private SlotSecret(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies {@link ProtocolConstants#SLOT_SIZE} bytes from {@code source} at {@code offset}. */
    public static SlotSecret copyOf(byte[] source, int offset) {
        if (offset < 0 || source.length - offset < ProtocolConstants.SLOT_SIZE) {
            throw new IllegalArgumentException("a slot is " + ProtocolConstants.SLOT_SIZE + " bytes");
        }
        return new SlotSecret(Arrays.copyOfRange(source, offset, offset + ProtocolConstants.SLOT_SIZE));
    }

    /** Copies part of one direction's half: {@code field offset} relative to the half. */
    byte[] half(Direction direction, int fieldOffset, int length) {
        if (closed) {
            throw new IllegalStateException("slot secret closed");
        }
        int from = direction.halfOffset() + fieldOffset;
        return Arrays.copyOfRange(bytes, from, from + length);
    }

    /** True if one direction's half is all zeroes: what {@link SlotStore#destroy} leaves behind. */
    boolean isDestroyed(Direction direction) {
        int acc = 0;
        for (int i = 0; i < ProtocolConstants.HALF_SIZE; i++) {
            acc |= bytes[direction.halfOffset() + i];
        }
        return acc == 0;
    }

    /** The whole slot, for deriving the handshake key; caller zeroes the copy. */
    byte[] copyAll() {
        if (closed) {
            throw new IllegalStateException("slot secret closed");
        }
        return bytes.clone();
    }

    @Override
    public void close() {
        Arrays.fill(bytes, (byte) 0);
        closed = true;
    }

    @Override
    public String toString() {
        return "SlotSecret[redacted]";
    }
}
