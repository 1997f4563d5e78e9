package org.otpi.protocol.rpc;

/** The stable error codes of {@link ErrorResponse#code()}. Nothing finer is ever revealed. */
public final class ErrorCodes {
    /** Anything the client need not know more about. */
    public static final String FAILED = "failed";
    public static final String BAD_REQUEST = "bad_request";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String NOT_FOUND = "not_found";
    public static final String METHOD = "method_not_allowed";
    public static final String TOO_LARGE = "too_large";
    /** Another approval for this client is pending, or the device is at capacity. */
    public static final String BUSY = "busy";
    /** The person said no, or did not answer in time. */
    public static final String DENIED = "denied";
    public static final String LOCKED = "locked";
    public static final String UNKNOWN_CONTACT = "unknown_contact";
    public static final String PAD_EXHAUSTED = "pad_exhausted";
    /**
     * The pad was restored from a backup without this device's record of its use: it can open, and
     * seals again after the contact's next message (its acknowledgement) or a skip ahead on the device.
     */
    public static final String RECEIVE_ONLY = "receive_only";
    /** The package failed authentication or was malformed (warning FORGED). */
    public static final String REJECTED = "rejected";
    /** The package's pad was already opened and destroyed (warning REPLAY). */
    public static final String REPLAY = "replay";

    private ErrorCodes() {
    }
}
