package org.otpi.protocol.rpc;

/** Paths, headers and limits of the device RPC, version 1. */
public final class RpcPaths {
    public static final String PREFIX = "/api/v1";
    public static final String HEALTH = PREFIX + "/health";
    public static final String WHOAMI = PREFIX + "/whoami";
    public static final String CONTACTS = PREFIX + "/contacts";
    public static final String SEAL = PREFIX + "/seal";
    public static final String OPEN = PREFIX + "/open";
    /** The client stored an opened message: the device may destroy its kept copy. */
    public static final String OPEN_CONFIRM = PREFIX + "/open/confirm";
    /**
     * Packages sealed from text written on the device, waiting for the laptop to carry them
     * through the relay: {@code GET} lists them (ciphertext only).
     */
    public static final String OUTBOX = PREFIX + "/outbox";
    /** {@code POST {id}}: the relay stored that package; the device forgets it. */
    public static final String OUTBOX_ACK = PREFIX + "/outbox/ack";
    /**
     * Streamed: {@code POST /api/v1/file/seal?contact=NAME&format=V2&sha256=HEX&name=FILE}, body =
     * the file. {@code sha256} (64 hex digits, required) is the file's SHA-256: the device shows its
     * first 64 bits ({@link FileFingerprint}) and refuses a body that does not match before the
     * package is complete; {@code name} (optional) is shown as the laptop's name for the file.
     */
    public static final String FILE_SEAL = PREFIX + "/file/seal";
    /** Streamed: {@code POST /api/v1/file/open?contact=NAME}, body = the sealed file. */
    public static final String FILE_OPEN = PREFIX + "/file/open";
    public static final String PAIR_START = PREFIX + "/pair/start";
    public static final String PAIR_FINISH = PREFIX + "/pair/finish";
    /** The laptop that started a pairing gives it up (body: {@link PairCancelRequest}). */
    public static final String PAIR_CANCEL = PREFIX + "/pair/cancel";

    /**
     * Declared body length of a chunked file upload (chunked uploads must carry it; the device
     * asks for approval of exactly this many bytes and refuses a body that runs past it).
     */
    public static final String LENGTH_HEADER = "X-Otpi-Length";
    /** Header carrying the device's warnings on streamed responses (comma separated). */
    public static final String WARNINGS_HEADER = "X-Otpi-Warnings";
    /** Header carrying the pad remaining after a streamed operation. */
    public static final String REMAINING_HEADER = "X-Otpi-Remaining";

    /** Longest file name a file seal may carry (characters). */
    public static final int MAX_FILE_NAME = 255;

    /** Largest JSON request body the device accepts. */
    public static final int MAX_JSON_BODY = 64 * 1024;
    /** Largest message (before base64) a JSON seal or open may carry. */
    public static final int MAX_MESSAGE = 32 * 1024;
    /** Largest file a streamed seal or open accepts by default (the device may be set lower). */
    public static final long DEFAULT_MAX_FILE = 64L * 1024 * 1024;

    private RpcPaths() {
    }
}
