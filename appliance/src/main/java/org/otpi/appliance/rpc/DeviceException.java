package org.otpi.appliance.rpc;

import java.util.Objects;

/**
 * A failed device operation. {@link #kind()} is what the RPC layer maps to a client-visible code;
 * the message is detail for the security log only and never reaches the client. It must not
 * contain pad bytes, keys, plaintext or tokens.
 */
public final class DeviceException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong, coarsely. */
    public enum Kind {
        UNKNOWN_CONTACT, PAD_EXHAUSTED, RECEIVE_ONLY, LOCKED, CORRUPT, FORGED, REPLAY, TOO_LARGE, INTERNAL,
        /** A confirm for an index the device never opened from that contact. */
        UNKNOWN_MESSAGE,
        /** The contact's messages are read on the device's screen only, and there is no screen. */
        NO_SCREEN,
        /** The contact's messages are read on the device's screen only: not handed to the laptop as a file. */
        READ_ON_DEVICE
    }

    private final Kind kind;

    public DeviceException(Kind kind, String detail) {
        super(detail);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public DeviceException(Kind kind, String detail, Throwable cause) {
        super(detail, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }
}
