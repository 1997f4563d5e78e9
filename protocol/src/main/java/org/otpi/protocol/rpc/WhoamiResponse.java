package org.otpi.protocol.rpc;

/** {@code GET /api/v1/whoami}: which device this is and under which name this client is paired. */
public record WhoamiResponse(String deviceId, String client) {
}
