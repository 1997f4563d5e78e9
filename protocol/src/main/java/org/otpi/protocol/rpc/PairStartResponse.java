package org.otpi.protocol.rpc;

/**
 * The device now shows a code on its screen; the client sends it back with this pairing id.
 *
 * @param pairingId        identifies this attempt in {@link PairFinishRequest}
 * @param codeDigits       how many digits the code has
 * @param expiresInSeconds how long the code stays valid
 */
public record PairStartResponse(String pairingId, int codeDigits, long expiresInSeconds) {
}
