package org.otpi.protocol.rpc;

/**
 * {@code POST /api/v1/pair/cancel}: the laptop that started a pairing gives it up (the person quit
 * before typing the code), so a new pairing can start at once instead of waiting for it to expire.
 * Only the holder of the pairing id can cancel it.
 */
public record PairCancelRequest(String pairingId) {
}
