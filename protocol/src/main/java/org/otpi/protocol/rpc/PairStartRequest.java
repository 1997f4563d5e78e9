package org.otpi.protocol.rpc;

/** {@code POST /api/v1/pair/start}: the name the person will see on the device. */
public record PairStartRequest(String clientName) {
}
