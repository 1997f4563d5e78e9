package org.otpi.protocol.kiosk;

import java.util.List;
import java.util.Objects;

/** What the kiosk shows: plain values, no pad bytes, no keys. */
public final class Views {
    private Views() {
    }

    /**
     * One contact's pad as the person sees it.
     *
     * @param sendRemaining    pad bytes this device may still use to seal for the contact
     * @param receiveRemaining pad bytes the contact may still use to seal for this device
     * @param lowPad           remaining send pad is under the low-pad threshold
     * @param source           where the pad came from: {@code hrng+kernel}, {@code kernel}, {@code imported}
     * @param expired          the pad was retired (no further seals)
     */
    public record Contact(String contact, String padId, long sendRemaining, long sendTotal,
                          long receiveRemaining, long receiveTotal, boolean lowPad, String source,
                          boolean expired) {
        public Contact {
            Objects.requireNonNull(contact, "contact");
        }
    }

    /** A site-link tunnel and its key material left. */
    public record Tunnel(String name, String peer, boolean up, long keyBytesRemaining) {
    }

    /** One entropy source and whether its continuous health tests pass. */
    public record EntropySource(String name, boolean healthy, String detail) {
    }

    /** The device at a glance. */
    public record Status(String deviceId, boolean unlocked, List<String> pairedClients,
                         List<Tunnel> tunnels, List<EntropySource> entropy, String alarm) {
        public Status {
            pairedClients = List.copyOf(pairedClients);
            tunnels = List.copyOf(tunnels);
            entropy = List.copyOf(entropy);
        }
    }

    /**
     * One security log entry.
     *
     * @param seq     increasing sequence number (for paging)
     * @param kind    e.g. {@code forgery}, {@code replay}, {@code skip}, {@code health}, {@code tamper}
     * @param contact the contact concerned, or empty
     */
    public record LogEntry(long seq, long epochMillis, String kind, String contact, String text) {
    }

    /**
     * An active standing approval: the person allowed uses of one contact's pad without asking,
     * up to a byte budget, until an expiry.
     */
    public record Grant(String id, String contact, long budgetBytes, long usedBytes,
                        long expiresEpochMillis) {
        public long remainingBytes() {
            return Math.max(0, budgetBytes - usedBytes);
        }
    }

    /** The answer to a PIN. */
    public record UnlockResult(Outcome outcome, long retryAfterMillis, int attemptsLeft) {
        /** OK: unlocked. WRONG: wrong PIN, wait retryAfterMillis. WAIT: too early, nothing
         *  checked. WIPED: too many failures, the wrapped key is gone. */
        public enum Outcome { OK, WRONG, WAIT, WIPED }

        public static UnlockResult ok() {
            return new UnlockResult(Outcome.OK, 0, 0);
        }
    }
}
