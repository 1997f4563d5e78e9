package org.otpi.protocol.rpc;

/**
 * The device no longer keeps the package {@code id}. {@code forgotten} is false when it was not
 * there (acknowledged before): acknowledging twice is fine.
 */
public record OutboxAckResponse(String id, boolean forgotten) {
}
