package org.otpi.protocol.rpc;

/** {@code POST /api/v1/outbox/ack}: the relay stored the package {@code id}; the device may forget it. */
public record OutboxAckRequest(String id) {
}
