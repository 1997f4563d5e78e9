package org.otpi.protocol.rpc;

import java.util.List;

/**
 * Every failure the client sees: a generic {@code error} ("failed") and a stable {@code code} that
 * is safe to reveal (see {@link ErrorCodes}), plus warnings the person must see (e.g. a replay).
 * Details stay in the device's security log.
 */
public record ErrorResponse(String error, String code, List<String> warnings) {
    public ErrorResponse {
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }
}
