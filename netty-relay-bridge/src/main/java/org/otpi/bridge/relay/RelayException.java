package org.otpi.bridge.relay;

import java.io.IOException;

/**
 * The relay refused a request or could not be reached. {@link #status()} is the HTTP status
 * (401 wrong token, 404 unknown recipient, 409 uid taken, 413 too large, 429 rate limited, ...),
 * or 0 when there was no HTTP answer.
 */
public final class RelayException extends IOException {
    private final int status;

    public RelayException(int status, String message) {
        super(message);
        this.status = status;
    }

    public RelayException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    public int status() {
        return status;
    }
}
