package org.otpi.appliance.kiosk;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.otpi.protocol.kiosk.Views;

/**
 * What the kiosk (and the GPIO parts) need from the device. The daemon implements it on the real
 * vault; {@link InMemoryKioskBackend} is the fake for tests, screenshots and emulation.
 *
 * <p>Nothing here returns pad bytes or keys: only counts, names and texts (DESIGN law 2).
 * Methods may block (Argon2id in {@link #unlock}); the {@link KioskServer} calls them off its
 * socket threads. A method that cannot do what was asked throws {@link Failure} with a short text
 * for the person; any other exception is shown as "failed" and logged. Implementations are
 * thread-safe.
 */
public interface KioskBackend {

    /** Checks the PIN; rate-limited; wipes the wrapped key after too many failures. The caller
     *  wipes {@code pin} after the call. */
    Views.UnlockResult unlock(char[] pin);

    /**
     * First run: creates the vault on an empty medium for {@code deviceId} with {@code pin} and
     * leaves it unlocked. Refuses (Failure) a bad device id, a PIN shorter than
     * {@link org.otpi.protocol.kiosk.KioskMessage.CreateVault#MIN_PIN}, a missing medium and a
     * medium that already holds a vault, which is never overwritten. The caller wipes {@code pin}
     * after the call.
     */
    void createVault(String deviceId, char[] pin);

    /** Locks the vault: keys are wiped from memory, standing approvals end. Idempotent. */
    void lock();

    Views.Status status();

    /** Every contact with its pad remaining per direction; throws Failure while locked. */
    List<Views.Contact> contacts();

    /** Starts generating a new pad of sizeBytes for contact (a new contact if unknown). */
    PadGeneration generatePad(String contact, long sizeBytes, Progress progress);

    /** Imports a pad from {@code source}, a file on device media. */
    void importPad(String source);

    /**
     * Writes an encrypted backup of the vault, sealed with {@code passphrase}, into
     * {@code target}, a directory on removable media; returns the file written. Refuses a
     * passphrase shorter than {@link org.otpi.protocol.kiosk.KioskMessage.ExportBackup#MIN_PASSPHRASE}.
     * The caller wipes {@code passphrase} after the call.
     */
    String exportBackup(String target, char[] passphrase);

    /**
     * In-person exchange, sender's half (as {@code otpi-admin exchange-send}): seals
     * {@code contact}'s pad under a fresh one-time transfer code onto {@code target}, a directory
     * on the transfer medium. Only a pad made on this device and never used is handed over; the
     * pad was made for the device whose id is the contact's id. The caller shows the code and
     * wipes it ({@link HandedOver#wipe()}).
     */
    HandedOver exchangeSend(String contact, String target);

    /**
     * In-person exchange, receiver's half (as {@code otpi-admin exchange-receive}): opens the
     * package on {@code source} with {@code code} as typed (case, spaces and dashes do not matter),
     * stores the pad as a new contact named after the sender's id, and wipes the medium. A wrong
     * code imports nothing and leaves the package. The caller wipes {@code code} after the call.
     */
    Received exchangeReceive(String source, char[] code);

    /**
     * Messages kept to be read on this screen only (DESIGN section 8, "read on the device"),
     * oldest first; expired ones are destroyed first. Failure while locked.
     */
    List<Views.DeviceMessage> inbox();

    /** Packages written on this screen that no laptop has carried yet. */
    int outgoingCount();

    /** The text of a kept message exactly as received; the caller wipes it. Failure if it is gone. */
    DeviceText readMessage(String id);

    /** Destroys a kept message (overwritten on the medium). Failure if it is gone. */
    void destroyMessage(String id);

    /** How long messages read on the device are kept after they arrive; zero = until destroyed here. */
    Duration keepOnDevice();

    /** Sets {@link #keepOnDevice()} for messages from now on. */
    void keepOnDevice(Duration keep);

    /**
     * Seals {@code text}, written on this screen, for {@code contact} ("write on the device"): the
     * person's touch on Seal is the approval (law 5); the package waits on the device until a laptop
     * carries it (ciphertext only). The caller wipes {@code text}.
     */
    Composed compose(String contact, byte[] text);

    /** Whether messages from {@code contact} are read on this screen only. */
    void setReadOnDevice(String contact, boolean on);

    /**
     * Moves {@code contact}'s send cursor {@code bytes} ahead, destroying that pad unused: ends a
     * restored pad's receive-only state (issue 11, DESIGN section 5). The person chose the amount.
     */
    void skipAhead(String contact, long bytes);

    /** Destroys a contact's pad. */
    void deletePad(String contact);

    /** Retires a contact's pad: no further seals; the contact learns it from the next package. */
    void expirePad(String contact);

    /** Security log entries with seq after afterSeq, oldest first, at most limit. */
    List<Views.LogEntry> securityLog(long afterSeq, int limit);

    /** Active standing approvals (usually backed by an approval.StandingApprovals). */
    List<Views.Grant> standingApprovals();

    Views.Grant grantStanding(String contact, long budgetBytes, Duration validFor);

    boolean revokeStanding(String grantId);

    /**
     * Unpairs a laptop: its token is refused from its next request on, and stays refused across
     * restarts and later pairings. False if no client has that name.
     */
    boolean revokeClient(String client);

    /** Records a security event (tamper, panic) in the security log and raises the alarm on the
     *  screen; listeners get {@link Listener#alarm}. */
    void alarm(String kind, String text);

    /** Panic: destroys the wrapped vault key on the medium and locks. Irreversible. */
    void panicWipe();

    /** Registers a listener for changes the kiosk must show. */
    void addListener(Listener listener);

    void removeListener(Listener listener);

    /**
     * The device-id rule for first-run setup, the vault's own (as {@code otpi-admin init}): 1 to
     * {@link org.otpi.protocol.kiosk.KioskMessage.CreateVault#MAX_DEVICE_ID} characters, no control
     * characters; and, because it is the person's relay name and typed on a touchscreen, no
     * leading or trailing space. Returns a short text for the person, or null when it is fine.
     */
    static String deviceIdProblem(String deviceId) {
        if (deviceId == null || deviceId.isBlank()) {
            return "give the device a name (your relay user name)";
        }
        if (deviceId.length() > org.otpi.protocol.kiosk.KioskMessage.CreateVault.MAX_DEVICE_ID) {
            return "the device name is too long (at most "
                    + org.otpi.protocol.kiosk.KioskMessage.CreateVault.MAX_DEVICE_ID + " characters)";
        }
        if (deviceId.chars().anyMatch(Character::isISOControl)) {
            return "the device name has a character that cannot be shown";
        }
        if (!deviceId.strip().equals(deviceId)) {
            return "the device name starts or ends with a space";
        }
        return null;
    }

    /** Refuses a first-run request whose device name or PIN is unusable, before anything is written. */
    static void checkNewVault(String deviceId, char[] pin) {
        String problem = deviceIdProblem(deviceId);
        if (problem != null) {
            throw new Failure(problem);
        }
        if (pin == null || pin.length < org.otpi.protocol.kiosk.KioskMessage.CreateVault.MIN_PIN) {
            throw new Failure("the PIN needs at least " + org.otpi.protocol.kiosk.KioskMessage.CreateVault.MIN_PIN + " digits");
        }
    }

    /** How a standing approval is shown on the screen. */
    static Views.Grant view(org.otpi.appliance.approval.StandingApprovals.Grant g) {
        return new Views.Grant(g.id(), g.contact(), g.budgetBytes(), g.usedBytes(), g.expires().toEpochMilli(),
                g.openedBytes());
    }

    /**
     * What the sender's screen shows after {@link #exchangeSend}.
     *
     * @param receiverId the device the pad was made for
     * @param code       the transfer code as shown ({@code ABCDE-FGHJK}); secret, hidden in toString
     * @param fingerprint the words both screens must show
     */
    record HandedOver(String contact, String receiverId, long padBytes, char[] code, List<String> fingerprint) {
        public HandedOver {
            fingerprint = List.copyOf(fingerprint);
        }

        /** Clears the code once it is on its way to the screen. */
        public void wipe() {
            java.util.Arrays.fill(code, '\0');
        }

        @Override
        public String toString() {
            return "HandedOver[contact=" + contact + ", receiverId=" + receiverId + ", padBytes=" + padBytes
                    + ", code=<hidden>, fingerprint=" + fingerprint + "]";
        }
    }

    /** What the receiver's screen shows after {@link #exchangeReceive}: the new contact and the words. */
    record Received(String contact, long padBytes, List<String> fingerprint) {
        public Received {
            fingerprint = List.copyOf(fingerprint);
        }
    }

    /** A kept message's sender and text (the caller wipes {@code text}). */
    record DeviceText(String contact, byte[] text) {
        @Override
        public String toString() {
            return "DeviceText[contact=" + contact + ", text=<hidden>]";
        }
    }

    /** A message written on the screen and sealed: what it cost, where it waits. */
    record Composed(String contact, long padUsed, long index, long sendRemaining) {
    }

    /** A running pad generation. */
    interface PadGeneration {
        /** Completes when the pad is stored, exceptionally on failure or cancel. */
        CompletableFuture<Void> done();

        void cancel();
    }

    /** Progress of a long operation in bytes. */
    @FunctionalInterface
    interface Progress {
        void update(long done, long total);
    }

    /** Change notifications; called from any thread, must not block. */
    interface Listener {
        /** {@code what}: status, contacts, log, grants or inbox. */
        void changed(String what);

        default void alarm(String text) {
        }
    }

    /** A refusal with a short, safe text for the person at the device. */
    final class Failure extends RuntimeException {
        public Failure(String message) {
            super(message, null, false, false);
        }
    }
}
