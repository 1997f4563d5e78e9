package org.otpi.protocol.rpc;

/** {@code POST /api/v1/open}: a package received from {@code contact}, base64. */
public record OpenRequest(String contact, String packageData) {
}
