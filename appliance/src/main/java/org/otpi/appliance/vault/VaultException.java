package org.otpi.appliance.vault;

/**
 * Why a vault operation failed. The message is safe for the person at the device and for the
 * security log; it never contains pad bytes, keys or message content. Clients of the device RPC
 * see only a generic failure.
 */
public final class VaultException extends Exception {

    /** Failure kinds, each with a stable exit code for the admin CLI. */
    public enum Kind {
        WRONG_PIN(3), RATE_LIMITED(3), WIPED(3), LOCKED(3), NO_VAULT(3),
        UNKNOWN_CONTACT(4), CONTACT_EXISTS(4), NO_PAD(4), UNKNOWN_MESSAGE(4),
        PAD_EXHAUSTED(5), PAD_EXPIRED(5), RECEIVE_ONLY(5),
        CORRUPT(6), FORGED(6), REPLAY(6), WRONG_PAD(6),
        TOO_LARGE(7), IO(7), BAD_INPUT(2);

        private final int exitCode;

        Kind(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Kind kind;
    private final long retryAfterMillis;
    private final int attemptsLeft;

    public VaultException(Kind kind, String message) {
        this(kind, message, 0, null);
    }

    public VaultException(Kind kind, String message, Throwable cause) {
        this(kind, message, 0, cause);
    }

    public VaultException(Kind kind, String message, long retryAfterMillis, Throwable cause) {
        this(kind, message, retryAfterMillis, -1, cause);
    }

    /**
     * @param attemptsLeft for {@link Kind#WRONG_PIN} and {@link Kind#RATE_LIMITED}: PIN attempts
     *                     left before the vault is wiped; -1 when not known
     */
    public VaultException(Kind kind, String message, long retryAfterMillis, int attemptsLeft, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfterMillis = retryAfterMillis;
        this.attemptsLeft = attemptsLeft;
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#RATE_LIMITED}: how long until the next PIN attempt is allowed. */
    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    /**
     * For {@link Kind#WRONG_PIN} and {@link Kind#RATE_LIMITED}: PIN attempts left before the vault
     * is wiped, or -1 when not known (the screen then does not guess).
     */
    public int attemptsLeft() {
        return attemptsLeft;
    }
}
