package org.otpi.bridge.cli;

import java.io.IOException;

/** No answer from the relay (down, wrong URL, network). The message names the URL. */
public final class RelayUnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    public RelayUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
