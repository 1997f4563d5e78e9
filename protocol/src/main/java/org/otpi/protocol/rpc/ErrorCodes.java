package org.otpi.protocol.rpc;

/**
 * The stable error codes of {@link ErrorResponse#code()}. Nothing finer is ever revealed: no pad
 * or vault detail. The approval codes ({@link #DENIED}, {@link #APPROVAL_TIMEOUT},
 * {@link #NO_APPROVER}) say only what the person (or nobody) did, which the laptop's user needs to
 * know to act.
 */
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
    /** The person at the device said no. */
    public static final String DENIED = "denied";
    /** The device asked, but no one answered before the approval timeout. */
    public static final String APPROVAL_TIMEOUT = "approval_timeout";
    /** The device had no way to ask anyone (no kiosk connected, no console, no buttons). */
    public static final String NO_APPROVER = "no_approver";
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
    /** {@code /open/confirm} for an index the device never opened from that contact. */
    public static final String UNKNOWN_MESSAGE = "unknown_message";
    /**
     * Messages from this contact are read on the device's screen only, and this device has no
     * screen (buttons only): it cannot open them for anyone.
     */
    public static final String NO_SCREEN = "no_screen";
    /**
     * A file from a contact whose messages are read on the device's screen only: a file cannot be
     * shown there, and handing it to the laptop would undo the setting (turn it off on the device
     * to open files from that contact).
     */
    public static final String READ_ON_DEVICE = "read_on_device";
    /**
     * A streamed file did not match the SHA-256 fingerprint the person approved: the device
     * stopped before the package was complete (no usable package; the pad it had reserved is
     * destroyed unused).
     */
    public static final String FINGERPRINT_MISMATCH = "fingerprint_mismatch";
    /** {@code /pair/finish} with a wrong code; the same pairing still takes another try. */
    public static final String WRONG_CODE = "wrong_code";

    private ErrorCodes() {
    }
}
