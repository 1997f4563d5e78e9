package org.otpi.bridge.cli;

import java.io.IOException;

/**
 * No answer from the device: not running, not plugged in, wrong URL, or the connection broke.
 * The message names the URL and what to check. Nothing is known to have happened on the device,
 * except for a connection that broke after the request was sent (then an open is repeated safely:
 * the device keeps opened messages until the client confirms them).
 */
public final class DeviceUnreachableException extends IOException {
    private static final long serialVersionUID = 1L;

    public DeviceUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
