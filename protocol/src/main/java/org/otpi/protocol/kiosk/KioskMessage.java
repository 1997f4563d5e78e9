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
        @Type(value = KioskMessage.GetInbox.class, name = "inbox"),
        @Type(value = KioskMessage.ReadMessage.class, name = "read-message"),
        @Type(value = KioskMessage.DestroyMessage.class, name = "destroy-message"),
        @Type(value = KioskMessage.SetKeep.class, name = "set-keep"),
        @Type(value = KioskMessage.Compose.class, name = "compose"),
        @Type(value = KioskMessage.SetReadOnDevice.class, name = "set-read-on-device"),
        @Type(value = KioskMessage.SkipAhead.class, name = "skip-ahead"),
        @Type(value = KioskMessage.Done.class, name = "done"),
        @Type(value = KioskMessage.UnlockReply.class, name = "unlock-reply"),
        @Type(value = KioskMessage.StatusReply.class, name = "status-reply"),
        @Type(value = KioskMessage.ContactsReply.class, name = "contacts-reply"),
        @Type(value = KioskMessage.LogReply.class, name = "log-reply"),
        @Type(value = KioskMessage.GrantsReply.class, name = "grants-reply"),
        @Type(value = KioskMessage.Progress.class, name = "progress"),
        @Type(value = KioskMessage.ExchangeSent.class, name = "exchange-sent"),
        @Type(value = KioskMessage.ExchangeReceived.class, name = "exchange-received"),
        @Type(value = KioskMessage.InboxReply.class, name = "inbox-reply"),
        @Type(value = KioskMessage.MessageText.class, name = "message-text"),
        @Type(value = KioskMessage.Composed.class, name = "composed"),
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

    /**
     * The person's answer to {@link ApprovalPrompt} requestId. {@code onDevice}: approved, and the
     * opened message is shown on this screen only, never handed to the laptop (an open's "read
     * here" choice; ignored for other operations).
     */
    record Decide(long id, String requestId, boolean approve, boolean onDevice) implements Request {
        @com.fasterxml.jackson.annotation.JsonCreator
        public Decide {
        }

        public Decide(long id, String requestId, boolean approve) {
            this(id, requestId, approve, false);
        }
    }

    /** The messages kept to be read on this screen (DESIGN section 8, "read on the device"). */
    record GetInbox(long id) implements Request {
    }

    /** The text of the kept message {@code messageId}; answered by {@link MessageText}. */
    record ReadMessage(long id, String messageId) implements Request {
    }

    /** Destroys the kept message {@code messageId} (overwritten on the medium). */
    record DestroyMessage(long id, String messageId) implements Request {
    }

    /**
     * How long messages read on the device are kept from now on: {@code minutes} after they
     * arrive, 0 = until the person destroys them.
     */
    record SetKeep(long id, long minutes) implements Request {
        /** Longest keep the screen offers: a year. */
        public static final long MAX_MINUTES = 366L * 24 * 60;
    }

    /**
     * Seals {@code text}, written on this screen, for {@code contact} ("write on the device"): the
     * package waits on the device until the laptop carries it (ciphertext only). Answered by
     * {@link Composed}. {@link #toString()} hides the text.
     */
    record Compose(long id, String contact, String text) implements Request {
        /** Longest text written on the screen, in UTF-8 bytes. */
        public static final int MAX_TEXT = 16 * 1024;

        @Override
        public String toString() {
            return "Compose[id=" + id + ", contact=" + contact + ", text=<" + (text == null ? 0 : text.length())
                    + " chars>]";
        }
    }

    /** Whether messages from {@code contact} are read on this screen only (a setting of the contact). */
    record SetReadOnDevice(long id, String contact, boolean on) implements Request {
    }

    /**
     * Moves {@code contact}'s send cursor {@code bytes} ahead, destroying that pad unused: ends a
     * restored pad's receive-only state (issue 11). The person chose the amount on the screen.
     */
    record SkipAhead(long id, String contact, long bytes) implements Request {
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

    /**
     * The kept messages, oldest first, with {@code outgoing} packages written here that the
     * laptop has not carried yet and the keep setting ({@code keepMinutes}, 0 = until destroyed).
     */
    record InboxReply(long id, List<Views.DeviceMessage> messages, int outgoing, long keepMinutes) implements Reply {
        public InboxReply {
            messages = List.copyOf(messages);
        }
    }

    /**
     * A kept message's text, base64 of its bytes exactly as received (the screen makes control
     * characters visible). Travels only on this socket; {@link #toString()} hides it.
     */
    record MessageText(long id, String messageId, String contact, String text) implements Reply {
        @Override
        public String toString() {
            return "MessageText[id=" + id + ", messageId=" + messageId + ", text=<hidden>]";
        }
    }

    /** A message written here is sealed: {@code padUsed} bytes at {@code index}, waiting for the laptop. */
    record Composed(long id, String contact, long padUsed, long index, long sendRemaining) implements Reply {
    }

    // ---- pushes ----------------------------------------------------------------------------

    /**
     * Asks the person to approve one use of pad (DESIGN law 5). Deny is assumed at deadline. What
     * the screen shows comes from the device, not from the laptop's words (DESIGN section 8): the
     * contact as the vault names it, the text that will be sealed, the file's fingerprint.
     *
     * @param contact       the contact as the vault names it
     * @param contactId     the contact's id (their relay user name), as the vault knows it
     * @param operation     one of SEAL, OPEN, SEAL_FILE, OPEN_FILE
     * @param messageLength the message's length in bytes: for a seal the text's, for an open the
     *                      one the package declares (an upper bound when {@code lengthUpTo}),
     *                      for a file its size
     * @param lengthUpTo    {@code messageLength} is an upper bound (a length-padded package, a
     *                      sealed file's size)
     * @param text          base64 of exactly the bytes to be sealed (SEAL), else empty
     * @param fileName      a file's name as the laptop gives it (SEAL_FILE), else empty
     * @param fingerprint   the first 64 bits of the SHA-256 of the file to seal, grouped as the
     *                      laptop prints it ({@code 3f2a 9c01 77be 0d4e}); the device checks the
     *                      streamed file against the whole hash before the package is complete
     * @param readOnDevice  messages from this contact are read on this screen only (its setting)
     */
    record ApprovalPrompt(String requestId, String client, String contact, String contactId, String operation,
                          long messageLength, boolean lengthUpTo, long padBytes, long padRemainingAfter,
                          long deadlineEpochMillis, String text, String fileName, String fingerprint,
                          boolean readOnDevice) implements Push {

        @com.fasterxml.jackson.annotation.JsonCreator
        public ApprovalPrompt {
        }

        /** A prompt that shows no content (tests and figures). */
        public ApprovalPrompt(String requestId, String client, String contact, String operation, long messageLength,
                              long padBytes, long padRemainingAfter, long deadlineEpochMillis) {
            this(requestId, client, contact, contact, operation, messageLength, false, padBytes, padRemainingAfter,
                    deadlineEpochMillis, "", "", "", false);
        }

        @Override
        public String toString() {
            return "ApprovalPrompt[requestId=" + requestId + ", client=" + client + ", operation=" + operation
                    + ", messageLength=" + messageLength + ", padBytes=" + padBytes + ", text=<hidden>]";
        }
    }

    /**
     * The prompt is over: decided here, elsewhere (buttons), timed out or withdrawn. {@code reason}
     * is one of approved, denied, timeout, withdrawn, {@link #LAPTOP_GONE}, kiosk disconnected,
     * shutdown.
     */
    record ApprovalClosed(String requestId, boolean approved, String reason) implements Push {
        /** The laptop that asked went away before anyone answered: nothing was done. */
        public static final String LAPTOP_GONE = "laptop disconnected";
    }

    /** Something the kiosk shows changed: one of status, contacts, log, grants, inbox. */
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
