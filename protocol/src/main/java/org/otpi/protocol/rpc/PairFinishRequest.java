package org.otpi.protocol.rpc;

/** {@code POST /api/v1/pair/finish}: the code the person read on the device screen. */
public record PairFinishRequest(String pairingId, String code) {
}
