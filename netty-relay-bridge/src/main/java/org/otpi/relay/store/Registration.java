package org.otpi.relay.store;

import java.util.Objects;

/**
 * A request to create an account, checked and applied in one transaction: the registration rate
 * bucket of the client's address (shared by every node on the same database), then the invite
 * code if one is required, then the account.
 *
 * @param uid account name
 * @param tokenHash SHA-256 of the token's secret
 * @param nowMillis time
 * @param inviteHash SHA-256 of the invite code, or null when registration is open
 * @param rateKey bucket to spend one token from (e.g. {@code "reg:203.0.113.7"})
 * @param perSecond bucket refill
 * @param burst bucket capacity
 */
public record Registration(String uid, byte[] tokenHash, long nowMillis, byte[] inviteHash, String rateKey,
                           double perSecond, int burst) {
    /** Result of a registration. */
    public enum Outcome { CREATED, TAKEN, BAD_INVITE, RATE_LIMITED }

    public Registration {
        Objects.requireNonNull(uid, "uid");
        tokenHash = tokenHash.clone();
        inviteHash = inviteHash == null ? null : inviteHash.clone();
        Objects.requireNonNull(rateKey, "rateKey");
    }

    @Override
    public String toString() {
        return "Registration[" + uid + "]";
    }
}
