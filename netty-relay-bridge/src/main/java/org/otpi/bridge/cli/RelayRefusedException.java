package org.otpi.bridge.cli;

import java.io.IOException;

/**
 * The relay answered, and refused: {@link #status()} is its HTTP status (401 wrong token, 404
 * unknown recipient, 409 name taken, 413 too large, 429 slow down, ...).
 */
public final class RelayRefusedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public RelayRefusedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
