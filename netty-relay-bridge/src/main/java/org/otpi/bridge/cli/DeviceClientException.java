package org.otpi.bridge.cli;

import java.io.IOException;
import java.util.List;

/**
 * The device refused or failed: its HTTP status, stable error code and warnings. The message is
 * what to tell the person (see {@link DeviceClient#explain}).
 */
public final class DeviceClientException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String code;
    private final List<String> warnings;

    public DeviceClientException(int status, String code, List<String> warnings, String message) {
        super(message);
        this.status = status;
        this.code = code;
        this.warnings = List.copyOf(warnings);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<String> warnings() {
        return warnings;
    }
}
