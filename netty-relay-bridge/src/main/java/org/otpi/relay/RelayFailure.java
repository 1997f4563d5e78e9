package org.otpi.relay;

/**
 * A request the relay refuses. Clients only ever see the status and the generic word; the
 * reason stays in the relay's logs.
 */
final class RelayFailure extends RuntimeException {
    enum Kind {
        BAD_REQUEST(400, "bad request"),
        UNAUTHORIZED(401, "unauthorized"),
        FORBIDDEN(403, "forbidden"),
        NOT_FOUND(404, "not found"),
        METHOD(405, "method not allowed"),
        TIMEOUT(408, "timeout"),
        CONFLICT(409, "unavailable"),
        TOO_LARGE(413, "too large"),
        KEY_REUSED(422, "key reused"),
        RATE_LIMITED(429, "slow down"),
        INTERNAL(500, "failed"),
        BUSY(503, "busy");

        final int status;
        final String word;

        Kind(int status, String word) {
            this.status = status;
            this.word = word;
        }
    }

    final Kind kind;

    RelayFailure(Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }
}
