package org.otpi.protocol.rpc;

import java.util.List;

/** {@code GET /api/v1/outbox}: the packages written on the device not carried yet, oldest first. */
public record OutboxResponse(List<OutboxEntry> packages) {
    public OutboxResponse {
        packages = List.copyOf(packages);
    }
}
