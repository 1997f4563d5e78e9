package org.otpi.protocol.kiosk;

import com.fasterxml.jackson.annotation.JsonCreator;
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
     * @param remoteId         the contact's id (their relay user name)
     * @param receiveOnly      restored from a backup on a new SD card: it opens, and seals again
     *                         after the contact's next message or a skip ahead on this screen
     * @param readOnDevice     messages from this contact are read on this screen only
     */
    public record Contact(String contact, String padId, long sendRemaining, long sendTotal,
                          long receiveRemaining, long receiveTotal, boolean lowPad, String source,
                          boolean expired, String remoteId, boolean receiveOnly, boolean readOnDevice) {
        @JsonCreator
        public Contact {
            Objects.requireNonNull(contact, "contact");
            Objects.requireNonNull(remoteId, "remoteId");
        }

        /** A contact whose id is its name, neither receive-only nor read on the device. */
        public Contact(String contact, String padId, long sendRemaining, long sendTotal, long receiveRemaining,
                       long receiveTotal, boolean lowPad, String source, boolean expired) {
            this(contact, padId, sendRemaining, sendTotal, receiveRemaining, receiveTotal, lowPad, source, expired,
                    contact, false, false);
        }
    }

    /**
     * A message kept in the vault to be read on this screen only; its text comes with
     * {@link KioskMessage.ReadMessage}.
     *
     * @param receivedAt epoch millis
     * @param expiresAt  epoch millis when the device destroys it, 0 = kept until destroyed here
     * @param length     bytes of text
     */
    public record DeviceMessage(String id, String contact, long receivedAt, long expiresAt, int length) {
    }

    /** A site-link tunnel and its key material left. */
    public record Tunnel(String name, String peer, boolean up, long keyBytesRemaining) {
    }

    /** One entropy source and whether its continuous health tests pass. */
    public record EntropySource(String name, boolean healthy, String detail) {
    }

    /** What the vault medium holds, as far as the kiosk must know to pick its first screen. */
    public enum VaultState {
        /** No vault medium attached: nothing to unlock or set up. */
        NO_MEDIUM,
        /** A medium without a vault: first run, the kiosk offers to create one. */
        SETUP_NEEDED,
        /** A vault waits for its PIN. */
        LOCKED,
        /** The vault is open. */
        UNLOCKED
    }

    /**
     * The device at a glance. {@code unlocked} stays for readers that only know locked/unlocked;
     * it always equals {@code vault == UNLOCKED}.
     */
    public record Status(String deviceId, boolean unlocked, List<String> pairedClients,
                         List<Tunnel> tunnels, List<EntropySource> entropy, String alarm, VaultState vault) {
        @JsonCreator
        public Status {
            pairedClients = List.copyOf(pairedClients);
            tunnels = List.copyOf(tunnels);
            entropy = List.copyOf(entropy);
            Objects.requireNonNull(vault, "vault");
            if (unlocked != (vault == VaultState.UNLOCKED)) {
                throw new IllegalArgumentException("unlocked=" + unlocked + " contradicts vault=" + vault);
            }
        }

        /** A status with a vault on the medium, locked or not (the state before first-run setup existed). */
        public Status(String deviceId, boolean unlocked, List<String> pairedClients,
                      List<Tunnel> tunnels, List<EntropySource> entropy, String alarm) {
            this(deviceId, unlocked, pairedClients, tunnels, entropy, alarm,
                    unlocked ? VaultState.UNLOCKED : VaultState.LOCKED);
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
    /**
     * A standing approval. Seals and opens are both charged by their pad cost.
     *
     * @param usedBytes   pad charged so far, seals and opens together
     * @param openedBytes the part of {@code usedBytes} charged by opens
     */
    public record Grant(String id, String contact, long budgetBytes, long usedBytes,
                        long expiresEpochMillis, long openedBytes) {
        @JsonCreator
        public Grant {
            if (openedBytes < 0 || openedBytes > usedBytes) {
                throw new IllegalArgumentException("openedBytes must be within usedBytes");
            }
        }

        /** A grant charged by seals only so far. */
        public Grant(String id, String contact, long budgetBytes, long usedBytes, long expiresEpochMillis) {
            this(id, contact, budgetBytes, usedBytes, expiresEpochMillis, 0);
        }

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
