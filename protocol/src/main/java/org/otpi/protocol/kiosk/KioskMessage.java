package org.otpi.protocol.kiosk;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonSubTypes.Type;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Arrays;
import java.util.List;

/**
 * Every message on the kiosk socket. The {@code type} property names the record; unknown types
 * and unknown properties are rejected.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
        @Type(value = KioskMessage.Unlock.class, name = "unlock"),
        @Type(value = KioskMessage.CreateVault.class, name = "create-vault"),
        @Type(value = KioskMessage.Lock.class, name = "lock"),
        @Type(value = KioskMessage.GetStatus.class, name = "status"),
        @Type(value = KioskMessage.GetContacts.class, name = "contacts"),
        @Type(value = KioskMessage.GeneratePad.class, name = "generate"),
        @Type(value = KioskMessage.CancelGenerate.class, name = "cancel-generate"),
        @Type(value = KioskMessage.ImportPad.class, name = "import"),
        @Type(value = KioskMessage.ExportBackup.class, name = "export"),
        @Type(value = KioskMessage.ExchangeSend.class, name = "exchange-send"),
        @Type(value = KioskMessage.ExchangeReceive.class, name = "exchange-receive"),
        @Type(value = KioskMessage.DeletePad.class, name = "delete"),
        @Type(value = KioskMessage.ExpirePad.class, name = "expire"),
        @Type(value = KioskMessage.GetLog.class, name = "log"),
        @Type(value = KioskMessage.GetGrants.class, name = "grants"),
        @Type(value = KioskMessage.Grant.class, name = "grant"),
        @Type(value = KioskMessage.Revoke.class, name = "revoke"),
        @Type(value = KioskMessage.RevokeClient.class, name = "revoke-client"),
        @Type(value = KioskMessage.Decide.class, name = "decide"),
        @Type(value = KioskMessage.Done.class, name = "done"),
        @Type(value = KioskMessage.UnlockReply.class, name = "unlock-reply"),
        @Type(value = KioskMessage.StatusReply.class, name = "status-reply"),
        @Type(value = KioskMessage.ContactsReply.class, name = "contacts-reply"),
        @Type(value = KioskMessage.LogReply.class, name = "log-reply"),
        @Type(value = KioskMessage.GrantsReply.class, name = "grants-reply"),
        @Type(value = KioskMessage.Progress.class, name = "progress"),
        @Type(value = KioskMessage.ExchangeSent.class, name = "exchange-sent"),
        @Type(value = KioskMessage.ExchangeReceived.class, name = "exchange-received"),
        @Type(value = KioskMessage.ApprovalPrompt.class, name = "approval"),
        @Type(value = KioskMessage.ApprovalClosed.class, name = "approval-closed"),
        @Type(value = KioskMessage.Changed.class, name = "changed"),
        @Type(value = KioskMessage.Alarm.class, name = "alarm"),
        @Type(value = KioskMessage.PairingCode.class, name = "pairing-code"),
        @Type(value = KioskMessage.PairingCleared.class, name = "pairing-cleared"),
})
public sealed interface KioskMessage {

    /** Kiosk to appliance; answered by a {@link Reply} with the same id. */
    sealed interface Request extends KioskMessage {
        long id();
    }

    /** Appliance to kiosk, answering the {@link Request} with the same id. */
    sealed interface Reply extends KioskMessage {
        long id();
    }

    /** Appliance to kiosk, unasked. */
    sealed interface Push extends KioskMessage {
    }

    // ---- requests -------------------------------------------------------------------------

    /** The PIN typed on the kiosk. Its chars are wiped by the receiver after use. */
    record Unlock(long id, char[] pin) implements Request {
        @Override
        public String toString() {
            return "Unlock[id=" + id + ", pin=<hidden>]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Unlock u && u.id == id && Arrays.equals(u.pin, pin);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id);
        }
    }

    /**
     * First run: create the vault on an empty medium for {@code deviceId} (this device's id, the
     * person's relay name) with {@code pin}, and leave it unlocked. Only valid while the status says
     * {@link Views.VaultState#SETUP_NEEDED}; the appliance never overwrites an existing vault. The
     * PIN's chars are wiped by the receiver after use; {@link #toString()} hides them.
     */
    record CreateVault(long id, String deviceId, char[] pin) implements Request {
        /** Shortest PIN accepted: the same rule as {@code otpi-admin init} and the vault itself. */
        public static final int MIN_PIN = 4;
        /** Longest device id: the vault's id rule (1 to 128 printable characters). */
        public static final int MAX_DEVICE_ID = 128;

        @Override
        public String toString() {
            return "CreateVault[id=" + id + ", deviceId=" + deviceId + ", pin=<hidden>]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof CreateVault c && c.id == id && java.util.Objects.equals(c.deviceId, deviceId)
                    && Arrays.equals(c.pin, pin);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id);
        }
    }

    record Lock(long id) implements Request {
    }

    record GetStatus(long id) implements Request {
    }

    record GetContacts(long id) implements Request {
    }

    /** Generate a new pad of sizeBytes for contact; answered by {@link Progress}es then {@link Done}. */
    record GeneratePad(long id, String contact, long sizeBytes) implements Request {
    }

    /** Cancels the generation started by request {@code generateId}. */
    record CancelGenerate(long id, long generateId) implements Request {
    }

    /** Import a pad from a file on device media (a path the appliance resolves itself). */
    record ImportPad(long id, String source) implements Request {
    }

    /**
     * Write an encrypted backup of the vault into {@code target}, a directory on removable media,
     * sealed with {@code passphrase} (Argon2id). The kiosk asks for the passphrase twice; the
     * appliance enforces the minimum length and wipes the chars after use.
     */
    record ExportBackup(long id, String target, char[] passphrase) implements Request {
        /** Shortest passphrase accepted: the backup file can be attacked offline, at leisure. */
        public static final int MIN_PASSPHRASE = 12;

        @Override
        public String toString() {
            return "ExportBackup[id=" + id + ", target=" + target + ", passphrase=<hidden>]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ExportBackup e && e.id == id && java.util.Objects.equals(e.target, target)
                    && Arrays.equals(e.passphrase, passphrase);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id);
        }
    }

    /**
     * In-person exchange, sender's half: seal {@code contact}'s fresh pad under a new one-time
     * transfer code onto {@code target}, a directory on the transfer medium (a USB stick). Answered
     * by {@link ExchangeSent} with the code to show, or a failed {@link Done}.
     */
    record ExchangeSend(long id, String contact, String target) implements Request {
    }

    /**
     * In-person exchange, receiver's half: open the package on {@code source} (a directory on the
     * transfer medium) with {@code code}, the transfer code read from the sender's screen, import
     * the pad and wipe the medium. Answered by {@link ExchangeReceived} or a failed {@link Done}
     * (a wrong code imports nothing). The code's chars are wiped by the receiver after use;
     * {@link #toString()} hides them.
     */
    record ExchangeReceive(long id, String source, char[] code) implements Request {
        @Override
        public String toString() {
            return "ExchangeReceive[id=" + id + ", source=" + source + ", code=<hidden>]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ExchangeReceive r && r.id == id && java.util.Objects.equals(r.source, source)
                    && Arrays.equals(r.code, code);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id);
        }
    }

    record DeletePad(long id, String contact) implements Request {
    }

    /** Retire a contact's pad: no further seals; the contact is told with the next package. */
    record ExpirePad(long id, String contact) implements Request {
    }

    /** Security log entries with seq greater than afterSeq, at most limit, oldest first. */
    record GetLog(long id, long afterSeq, int limit) implements Request {
    }

    record GetGrants(long id) implements Request {
    }

    /** Grant a standing approval: contact, up to budgetBytes, for minutes. */
    record Grant(long id, String contact, long budgetBytes, int minutes) implements Request {
    }

    record Revoke(long id, String grantId) implements Request {
    }

    /** Unpair a laptop: its token is refused from the next request on (the Status screen). */
    record RevokeClient(long id, String client) implements Request {
    }

    /** The person's answer to {@link ApprovalPrompt} requestId. */
    record Decide(long id, String requestId, boolean approve) implements Request {
    }

    // ---- replies ---------------------------------------------------------------------------

    /** Generic end of a request; error is a short text for the person when ok is false. */
    record Done(long id, boolean ok, String error) implements Reply {
        public static Done ok(long id) {
            return new Done(id, true, "");
        }

        public static Done failed(long id, String error) {
            return new Done(id, false, error);
        }
    }

    record UnlockReply(long id, Views.UnlockResult result) implements Reply {
    }

    record StatusReply(long id, Views.Status status) implements Reply {
    }

    record ContactsReply(long id, List<Views.Contact> contacts) implements Reply {
    }

    record LogReply(long id, List<Views.LogEntry> entries) implements Reply {
    }

    record GrantsReply(long id, List<Views.Grant> grants) implements Reply {
    }

    /** Progress of a {@link GeneratePad}; the final word is a {@link Done}. */
    record Progress(long id, long done, long total) implements Reply {
    }

    /**
     * The sender's half is done: show {@code code} (the transfer code, grouped as {@code ABCDE-FGHJK})
     * for the person to read out and type on the other device, and the {@code fingerprint} words
     * both screens must show. The code is a secret until the medium is wiped: it travels only on
     * this socket and is never logged ({@link #toString()} hides it).
     *
     * @param receiverId the other device's id the pad was made for
     * @param padBytes   the pad's size
     */
    record ExchangeSent(long id, String contact, String receiverId, long padBytes, String code,
                        List<String> fingerprint) implements Reply {
        public ExchangeSent {
            fingerprint = List.copyOf(fingerprint);
        }

        @Override
        public String toString() {
            return "ExchangeSent[id=" + id + ", contact=" + contact + ", receiverId=" + receiverId + ", padBytes="
                    + padBytes + ", code=<hidden>, fingerprint=" + fingerprint + "]";
        }
    }

    /**
     * The receiver's half is done: the pad from {@code contact} (the sender's id, now a contact) is
     * stored and the medium wiped; compare {@code fingerprint} with the sender's screen.
     */
    record ExchangeReceived(long id, String contact, long padBytes, List<String> fingerprint) implements Reply {
        public ExchangeReceived {
            fingerprint = List.copyOf(fingerprint);
        }
    }

    // ---- pushes ----------------------------------------------------------------------------

    /**
     * Asks the person to approve one use of pad (DESIGN law 5). Deny is assumed at deadline.
     *
     * @param operation one of SEAL, OPEN, SEAL_FILE, OPEN_FILE
     */
    record ApprovalPrompt(String requestId, String client, String contact, String operation,
                          long messageLength, long padBytes, long padRemainingAfter,
                          long deadlineEpochMillis) implements Push {
    }

    /** The prompt is over: decided here, elsewhere (buttons), timed out or withdrawn. */
    record ApprovalClosed(String requestId, boolean approved, String reason) implements Push {
    }

    /** Something the kiosk shows changed: one of status, contacts, log, grants. */
    record Changed(String what) implements Push {
    }

    /** Tamper, panic wipe or another alarm to show at once. */
    record Alarm(String text) implements Push {
    }

    /**
     * A laptop client asks to pair under the name {@code client}: show {@code code} (8 digits) so
     * the person can type it on that laptop, until {@code expiresEpochMillis} or a
     * {@link PairingCleared}. The code is a secret for its lifetime: it travels only on this
     * socket and is never logged ({@link #toString()} hides it).
     */
    record PairingCode(String client, String code, long expiresEpochMillis) implements Push {
        @Override
        public String toString() {
            return "PairingCode[client=" + client + ", code=<hidden>, expiresEpochMillis=" + expiresEpochMillis + "]";
        }
    }

    /** The pairing for {@code client} ended (paired, replaced, expired or failed): take the code down. */
    record PairingCleared(String client) implements Push {
    }
}
