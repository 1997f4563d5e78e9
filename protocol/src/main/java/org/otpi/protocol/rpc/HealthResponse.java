package org.otpi.protocol.rpc;

/**
 * {@code GET /api/v1/health}: answered without a token. {@code aead} names the ChaCha20-Poly1305
 * engine the device runs (e.g. {@code "libsodium 1.0.18"} or {@code "jdk"}).
 */
public record HealthResponse(String status, String version, boolean unlocked, String aead) {
}
