package org.otpi.protocol.rpc;

import java.util.List;

/**
 * The opened message (base64) and the device's warnings about it ({@code REPLAY}, {@code SKIP},
 * {@code LATE}, {@code EXPIRED_BY_PEER}); the client must show every warning to the person.
 */
public record OpenResponse(String message, List<String> warnings, long receiveRemaining) {
    public OpenResponse {
        warnings = List.copyOf(warnings);
    }
}
