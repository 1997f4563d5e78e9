package org.otpi.protocol.rpc;

/** {@code GET /api/v1/health}: answered without a token. */
public record HealthResponse(String status, String version, boolean unlocked) {
}
