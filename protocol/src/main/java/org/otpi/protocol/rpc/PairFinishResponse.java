package org.otpi.protocol.rpc;

/**
 * The client's bearer token (base64url of 32 random bytes). The device keeps only its hash; the
 * client must store it privately and send it as {@code Authorization: Bearer <token>}.
 */
public record PairFinishResponse(String token, String clientName) {
    @Override
    public String toString() {
        return "PairFinishResponse[token=<redacted>, clientName=" + clientName + "]";
    }
}
