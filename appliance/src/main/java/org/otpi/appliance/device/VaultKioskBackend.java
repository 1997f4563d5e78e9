package org.otpi.appliance.device;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.EntropyStatus;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadRequest;
import org.otpi.appliance.entropy.PadResult;
import org.otpi.appliance.entropy.SourceHealth;
import org.otpi.appliance.exchange.Argon2Settings;
import org.otpi.appliance.exchange.InPersonExchange;
import org.otpi.appliance.exchange.TransferCode;
import org.otpi.appliance.exchange.TransferInfo;
import org.otpi.appliance.exchange.TransferPackageException;
import org.otpi.appliance.exchange.TransferReceipt;
import org.otpi.appliance.exchange.WrongTransferCodeException;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.securitylog.Redact;
import org.otpi.appliance.securitylog.SecurityEvents;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;
import org.tinylog.Logger;

/**
 * The kiosk's view of the real device: the vault, the entropy sources, standing approvals and
 * the security log. Refusals come back as {@link KioskBackend.Failure} with a short text for the
 * person; nothing here returns pad bytes or keys.
 */
public final class VaultKioskBackend implements KioskBackend {
    private final Device device;
    private final StandingApprovals standing;
    private final EntropyService entropy;
    private final PairedClients pairedClients;
    private final Supplier<List<Views.Tunnel>> tunnels;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Consumer<SecurityEvents.Event> logListener = e -> fire("log");
    private final Consumer<String> deviceListener = this::fire;
    private volatile String alarm = "";

    /** The paired RPC clients as the kiosk sees them (the daemon's {@code ClientRegistry}). */
    public interface PairedClients {
        List<String> names();

        /** Unpairs {@code name} durably; false if there is none. */
        boolean revoke(String name) throws IOException;

        /** A list to show that cannot be changed from the kiosk (tests, screenshots). */
        static PairedClients readOnly(Supplier<List<String>> names) {
            return new PairedClients() {
                @Override
                public List<String> names() {
                    return names.get();
                }

                @Override
                public boolean revoke(String name) {
                    throw new Failure("laptops cannot be unpaired here");
                }
            };
        }
    }

    /**
     * @param entropy       the entropy sources, or null (pads are then refused)
     * @param pairedClients names of paired RPC clients (shown only; not revocable here)
     * @param tunnels       site links to show
     */
    public VaultKioskBackend(Device device, StandingApprovals standing, EntropyService entropy,
                             Supplier<List<String>> pairedClients, Supplier<List<Views.Tunnel>> tunnels) {
        this(device, standing, entropy, PairedClients.readOnly(pairedClients), tunnels);
    }

    /**
     * @param entropy       the entropy sources, or null (pads are then refused)
     * @param pairedClients the paired RPC clients, shown on Status and revocable there
     * @param tunnels       site links to show
     */
    public VaultKioskBackend(Device device, StandingApprovals standing, EntropyService entropy,
                             PairedClients pairedClients, Supplier<List<Views.Tunnel>> tunnels) {
        this.device = device;
        this.standing = standing;
        this.entropy = entropy;
        this.pairedClients = pairedClients;
        this.tunnels = tunnels;
        device.addListener(deviceListener);
        SecurityEvents.addListener(logListener);
    }

    @Override
    public Views.UnlockResult unlock(char[] pin) {
        try {
            device.unlock(pin);
            alarm = "";
            return Views.UnlockResult.ok();
        } catch (VaultException e) {
            return switch (e.kind()) {
                case WRONG_PIN -> new Views.UnlockResult(Views.UnlockResult.Outcome.WRONG, e.retryAfterMillis(),
                        e.attemptsLeft());
                case RATE_LIMITED -> new Views.UnlockResult(Views.UnlockResult.Outcome.WAIT, e.retryAfterMillis(),
                        e.attemptsLeft());
                case WIPED -> new Views.UnlockResult(Views.UnlockResult.Outcome.WIPED, 0, 0);
                default -> throw new Failure(e.getMessage());
            };
        }
    }

    /**
     * Creates the vault with the same Argon2id cost as {@code otpi-admin init}
     * ({@link Argon2id#VAULT_DEFAULT}) and leaves the device unlocked. Every check that can be
     * made without touching the medium is made first, so a refusal writes nothing; the vault
     * itself logs "vault created for device X" to the security log (never the PIN).
     */
    @Override
    public void createVault(String deviceId, char[] pin) {
        KioskBackend.checkNewVault(deviceId, pin);
        try {
            device.create(deviceId, pin, Argon2id.VAULT_DEFAULT);
        } catch (VaultException e) {
            Logger.tag("security").warn("vault setup from the kiosk refused: {}", e.getMessage());
            fire("log");
            throw new Failure(e.getMessage());
        }
        alarm = "";
        fire("log");
    }

    @Override
    public void lock() {
        device.lock();
        standing.revokeAll();
        fire("grants");
    }

    @Override
    public Views.Status status() {
        List<Views.EntropySource> sources = new ArrayList<>();
        if (entropy != null) {
            EntropyStatus s = entropy.status();
            if (s.hardware() != null) {
                sources.add(new Views.EntropySource(s.hardware(), s.hardwareHealth() == SourceHealth.HEALTHY,
                        s.failure() == null ? "health tests pass" : s.failure().test() + ": " + s.failure().detail()));
            } else {
                sources.add(new Views.EntropySource("hardware RNG", false, "none: pads will be kernel-only"));
            }
            sources.add(new Views.EntropySource("kernel", true, "getrandom"));
        }
        Views.VaultState state = switch (device.mediumState()) {
            case NO_MEDIUM -> Views.VaultState.NO_MEDIUM;
            case EMPTY -> Views.VaultState.SETUP_NEEDED;
            case LOCKED -> Views.VaultState.LOCKED;
            case UNLOCKED -> Views.VaultState.UNLOCKED;
        };
        return new Views.Status(device.deviceId(), state == Views.VaultState.UNLOCKED, pairedClients.names(), tunnels.get(),
                sources, alarm, state);
    }

    @Override
    public List<Views.Contact> contacts() {
        List<Views.Contact> out = new ArrayList<>();
        for (PadStats s : call(() -> vault().contacts())) {
            out.add(new Views.Contact(s.contact(), s.padId(), s.sendRemaining(), s.sendCapacity(), s.receiveRemaining(),
                    s.receiveCapacity(), s.low(), s.source(), s.expired(), s.remoteId() == null ? s.contact() : s.remoteId(),
                    s.receiveOnly(), s.readOnDevice()));
        }
        return out;
    }

    @Override
    public PadGeneration generatePad(String contact, long sizeBytes, Progress progress) {
        if (entropy == null) {
            throw new Failure("no entropy source");
        }
        if (sizeBytes < Vault.MIN_PAD_SIZE || sizeBytes > (1L << 36)) {
            throw new Failure("size must be 1 KiB to 64 GiB");
        }
        Vault v = call(this::vault);
        boolean hardware = entropy.status().hardwareHealth() == SourceHealth.HEALTHY;
        String label = hardware ? PadOrigin.HRNG_KERNEL.label() : PadOrigin.KERNEL.label();
        // The contact's id is its name until the in-person exchange tells us otherwise.
        var sink = call(() -> VaultPads.sink(v, contact, contact, sizeBytes, label));
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                PadResult r = entropy.generatePad(new PadRequest(sizeBytes, false), sink,
                        p -> progress.update(p.written(), p.total()), cancelled::get);
                if (!r.origin().label().equals(label)) {
                    Logger.tag("security").warn("pad source changed during generation ({}): pad discarded", r.origin().label());
                    v.deletePad(contact);
                    throw new Failure("the hardware RNG changed state: generate again");
                }
                fire("contacts");
                done.complete(null);
            } catch (Throwable e) {
                sink.abort();
                done.completeExceptionally(e instanceof Failure ? e : new Failure(cancelled.get() ? "cancelled" : "failed"));
            }
        }, "pad-generation");
        t.setDaemon(true);
        t.start();
        if (!hardware) {
            Logger.tag("security").warn("KERNEL-ONLY: a pad is being made without a healthy hardware RNG");
        }
        return new PadGeneration() {
            @Override
            public CompletableFuture<Void> done() {
                return done;
            }

            @Override
            public void cancel() {
                cancelled.set(true);
            }
        };
    }

    /** {@code source}: a raw pad file named after the contact ({@code NAME.pad}); the contact's id is NAME. */
    @Override
    public void importPad(String source) {
        Path p = Path.of(source);
        String name = p.getFileName().toString().replaceAll("\\.(pad|dat)$", "");
        if (!Files.isRegularFile(p)) {
            throw new Failure("no pad file at " + source);
        }
        call(() -> {
            try (InputStream in = new BufferedInputStream(Files.newInputStream(p))) {
                return vault().importPad(name, name, in, Files.size(p), "imported", "message", null);
            }
        });
        fire("contacts");
    }

    /**
     * Writes {@code otpi-backup-DEVICE-TIME.otpibak} into the directory {@code target}: sealed
     * with {@code passphrase} (Argon2id, {@link Argon2id#VAULT_DEFAULT}, then ChaCha20-Poly1305,
     * as {@code otpi-admin export}), written to a hidden temporary file in the same directory,
     * fsynced, renamed into place and the directory fsynced, so the media never holds half a
     * backup under the final name. Refuses a target on the vault's own medium or state
     * directory: a backup there is lost with the card.
     */
    @Override
    public String exportBackup(String target, char[] passphrase) {
        if (passphrase == null || passphrase.length < KioskMessage.ExportBackup.MIN_PASSPHRASE) {
            throw new Failure("the passphrase needs at least " + KioskMessage.ExportBackup.MIN_PASSPHRASE + " characters");
        }
        Path dir = mediaDirectory(target, "say where to write the backup (a directory on a USB stick)", "backup target");
        Vault v = call(this::vault);
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC).format(java.time.Instant.now());
        Path file = dir.resolve("otpi-backup-" + safeName(device.deviceId()) + "-" + stamp + ".otpibak");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new Failure("a backup of this second is already there: try again");
        }
        Path tmp = dir.resolve("." + file.getFileName() + ".partial");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream keepOpen = new FilterOutputStream(Channels.newOutputStream(ch)) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush(); // the sealing stream closes us; the channel stays open for force()
                    }
                };
                v.exportBackup(new BufferedOutputStream(keepOpen, 1 << 16), passphrase, Argon2id.VAULT_DEFAULT);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true); // the rename itself
            }
        } catch (VaultException e) {
            deleteQuietly(tmp);
            throw new Failure(e.kind() == VaultException.Kind.LOCKED ? "vault locked" : e.getMessage());
        } catch (IOException e) {
            deleteQuietly(tmp);
            Logger.warn("backup to {} failed: {}", dir, e.toString());
            throw new Failure("cannot write the backup to " + target + ": " + e.getClass().getSimpleName());
        }
        Logger.tag("security").info("encrypted backup written to {}", file);
        fire("log");
        return file.toString();
    }

    /**
     * In-person exchange, sender's half, exactly as {@code otpi-admin exchange-send}: only a fresh
     * pad (nothing sealed or opened with it) leaves; it is sealed under a new {@link TransferCode}
     * with {@link Argon2Settings#DEFAULT} onto {@code target} (a directory off the vault's medium,
     * by default the USB stick at {@code /media/otpi-usb}), and the exchange logs "pad ... sealed
     * for RECEIVER onto the transfer medium" to the security log. The code is returned for the
     * screen only, never logged.
     */
    @Override
    public HandedOver exchangeSend(String contact, String target) {
        Path medium = mediaDirectory(target, "say where the transfer medium is (a directory on a USB stick)",
                "transfer medium");
        Vault v = call(this::vault);
        PadStats s = call(() -> v.stats(contact));
        if (s.sendUsed() > 0 || s.receiveUsed() > 0) {
            throw new Failure("this pad has been used: only a fresh pad is handed over");
        }
        if (PadOrigin.IMPORTED.label().equals(s.source())) {
            // Stricter than the CLI: a received pad only ever goes back to where it came from,
            // which holds it already; refusing keeps a pad between exactly two devices.
            throw new Failure("only a pad made on this device, for another device, is handed over");
        }
        TransferInfo info;
        try {
            Instant now = Instant.now();
            info = new TransferInfo(s.size(), PadOrigin.ofLabel(s.source()), v.deviceId(), s.remoteId(), now, null);
        } catch (IllegalArgumentException e) {
            // an unknown origin, or a contact named like this device
            throw new Failure("only a pad made on this device, for another device, is handed over");
        }
        var export = call(() -> VaultPads.export(v, contact));
        InPersonExchange ex = new InPersonExchange(new SecureRandom(), Argon2Settings.DEFAULT);
        TransferCode code = ex.newCode();
        try {
            TransferReceipt r = ex.send(export, info, code, medium);
            Logger.tag("security").info("pad {} of {} handed over from the kiosk: package on {}", r.padIdHex(),
                    Redact.contact(contact), medium);
            fire("log");
            return new HandedOver(contact, s.remoteId(), s.size(), code.display(), r.fingerprint().words());
        } catch (IOException e) {
            Logger.warn("transfer package to {} failed: {}", medium, e.toString());
            throw new Failure("cannot write the transfer package to " + target + ": " + e.getMessage());
        } finally {
            code.wipe();
        }
    }

    /**
     * In-person exchange, receiver's half, exactly as {@code otpi-admin exchange-receive}: the
     * package is opened with the typed code, the pad stored as a new contact named after the
     * sender's id (the contact's id too), and the medium wiped ({@link
     * org.otpi.appliance.exchange.MediumWiper}) once the pad is committed. A wrong code imports
     * nothing, leaves the package and is logged ("wrong code typed"); a damaged package, a pad made
     * for another device or a contact that exists already import nothing either.
     */
    @Override
    public Received exchangeReceive(String source, char[] typed) {
        Path medium = mediaDirectory(source, "say where the transfer medium is (a directory on a USB stick)",
                "transfer medium");
        Vault v = call(this::vault);
        TransferCode code;
        try {
            code = TransferCode.parse(typed);
        } catch (IllegalArgumentException e) {
            throw new Failure("that is not a transfer code: " + TransferCode.LENGTH + " letters and digits");
        }
        try {
            InPersonExchange ex = new InPersonExchange(new SecureRandom(), Argon2Settings.DEFAULT);
            TransferReceipt r = ex.receive(medium, code,
                    info -> VaultPads.importer(v, info.senderId()).begin(info));
            fire("contacts");
            fire("log");
            return new Received(r.info().senderId(), r.info().size(), r.fingerprint().words());
        } catch (WrongTransferCodeException e) {
            fire("log");
            throw new Failure("wrong transfer code: nothing was imported");
        } catch (TransferPackageException e) {
            fire("log");
            throw new Failure(e.getMessage());
        } catch (IOException e) {
            // the screen gets the full reason; the file gets one without names
            Logger.tag("security").warn("transfer package on {} not imported: {}", medium,
                    e instanceof VaultPads.ImportRefused r ? r.logText() : e.getClass().getSimpleName());
            fire("log");
            throw new Failure("not imported: " + e.getMessage());
        } finally {
            code.wipe();
        }
    }

    /**
     * {@code target} as a real, writable directory off the vault's medium, or a Failure.
     *
     * @param missing what to say when no directory was given
     * @param what    what the directory is, for the other refusals
     */
    private Path mediaDirectory(String target, String missing, String what) {
        if (target == null || target.isBlank()) {
            throw new Failure(missing);
        }
        Path dir;
        try {
            Path given = Path.of(target);
            if (!given.isAbsolute()) {
                throw new Failure("the " + what + " must be an absolute path");
            }
            if (!Files.isDirectory(given)) {
                throw new Failure("no directory at " + target);
            }
            dir = given.toRealPath();
        } catch (java.nio.file.InvalidPathException | IOException e) {
            throw new Failure("no directory at " + target);
        }
        for (Path own : new Path[] {device.medium(), device.state()}) {
            try {
                Path real = own.toRealPath();
                if (dir.startsWith(real)) {
                    throw new Failure("not on the vault's own medium: choose removable media");
                }
            } catch (IOException e) {
                // that directory does not exist: nothing to be inside of
            }
        }
        if (!Files.isWritable(dir)) {
            throw new Failure("cannot write to " + target);
        }
        return dir;
    }

    private static String safeName(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: a hidden .partial may remain
        }
    }

    @Override
    public List<Views.DeviceMessage> inbox() {
        List<Views.DeviceMessage> out = new ArrayList<>();
        for (org.otpi.appliance.vault.DeviceMessage m : call(() -> vault().onDevice().messages())) {
            out.add(new Views.DeviceMessage(m.id(), m.contact(), m.receivedAt(), m.expiresAt(), m.length()));
        }
        return out;
    }

    @Override
    public int outgoingCount() {
        return call(() -> vault().onDevice().outgoing()).size();
    }

    @Override
    public DeviceText readMessage(String id) {
        Vault v = call(this::vault);
        String contact = call(v.onDevice()::messages).stream().filter(m -> m.id().equals(id))
                .map(org.otpi.appliance.vault.DeviceMessage::contact).findFirst()
                .orElseThrow(() -> new Failure("this message is gone (destroyed, or its time was up)"));
        byte[] text = call(() -> v.onDevice().read(id));
        if (text == null) {
            throw new Failure("this message is gone (destroyed, or its time was up)");
        }
        return new DeviceText(contact, text);
    }

    @Override
    public void destroyMessage(String id) {
        if (!call(() -> vault().onDevice().destroy(id))) {
            throw new Failure("this message is gone already");
        }
        fire("inbox");
    }

    @Override
    public Duration keepOnDevice() {
        return device.keepOnDevice();
    }

    @Override
    public void keepOnDevice(Duration keep) {
        try {
            device.keepOnDevice(keep);
        } catch (IOException | IllegalArgumentException e) {
            throw new Failure("cannot keep the setting: " + e.getMessage());
        }
    }

    /**
     * Seals the text for {@code contact} in the v2 format and keeps the package in the vault
     * ({@link org.otpi.appliance.vault.OnDevice#seal}) until a laptop carries it; the text never leaves the device.
     * A receive-only pad refuses (skip ahead first, or wait for the contact's next message).
     */
    @Override
    public Composed compose(String contact, byte[] text) {
        if (text == null || text.length == 0) {
            throw new Failure("nothing written");
        }
        if (text.length > KioskMessage.Compose.MAX_TEXT) {
            throw new Failure("too long: at most " + KioskMessage.Compose.MAX_TEXT + " bytes");
        }
        Vault v = call(this::vault);
        org.otpi.appliance.vault.OutgoingPackage p;
        try {
            p = v.onDevice().seal(contact, text, org.otpi.appliance.vault.SealOptions.V2);
        } catch (VaultException e) {
            throw new Failure(switch (e.kind()) {
                case LOCKED -> "vault locked";
                case RECEIVE_ONLY -> "this pad is receive-only (restored from a backup): skip ahead on its pad card,"
                        + " or wait for the contact's next message";
                case PAD_EXHAUSTED -> "not enough pad left for this message";
                case PAD_EXPIRED -> "this pad is retired: no further messages";
                default -> e.getMessage();
            });
        }
        long cost = Vault.sealCost(text.length, org.otpi.appliance.vault.SealOptions.V2);
        PadStats s = call(() -> v.stats(contact));
        // No contact name here: the security log is on the SD card, names only in the vault.
        Logger.tag("security").info("a message written on the device was sealed (pad index {}, {} pad bytes): it waits"
                + " for a laptop to carry it", p.index(), cost);
        fire("contacts");
        fire("inbox");
        return new Composed(contact, cost, p.index(), s.sendRemaining());
    }

    @Override
    public void setReadOnDevice(String contact, boolean on) {
        call(() -> vault().onDevice().setReadOnDevice(contact, on));
        fire("contacts");
    }

    @Override
    public void skipAhead(String contact, long bytes) {
        Vault v = call(this::vault);
        PadStats s = call(() -> v.stats(contact));
        if (bytes <= 0 || bytes > s.sendRemaining()) {
            throw new Failure("skip between 1 byte and what is left (" + s.sendRemaining() + " bytes)");
        }
        call(() -> v.skipAhead(contact, bytes));
        fire("contacts");
        fire("log");
    }

    @Override
    public void deletePad(String contact) {
        call(() -> {
            vault().deletePad(contact);
            return null;
        });
        fire("contacts");
    }

    @Override
    public void expirePad(String contact) {
        call(() -> vault().expire(contact));
        fire("contacts");
    }

    /**
     * The security log for the screen. The file on the SD card, and the entries in memory, name
     * contacts and clients only by their pseudonyms ({@link Redact}); the screen is on the device,
     * so here each pseudonym of a contact in the vault, or of a paired client, is turned back into
     * its name (pseudonyms are keyed per process, as the entries are), and the entry's contact is
     * found by pseudonym or pad id. Pseudonyms of names no longer known (a deleted contact, an
     * unpaired laptop) stay as they are.
     */
    @Override
    public List<Views.LogEntry> securityLog(long afterSeq, int limit) {
        Map<String, String> contactBy = new HashMap<>(); // pad id or pseudonym -> contact name
        Map<String, String> reveal = new HashMap<>(); // pseudonym -> name
        if (device.unlocked()) {
            try {
                for (PadStats s : vault().contacts()) {
                    contactBy.put(s.padId(), s.contact());
                    contactBy.put(Redact.contact(s.contact()), s.contact());
                    reveal.put(Redact.contact(s.contact()), s.contact());
                }
            } catch (VaultException ignored) {
                // locked meanwhile: show pad ids and pseudonyms only
            }
        }
        for (String client : pairedClients.names()) {
            reveal.put(Redact.client(client), client);
        }
        List<Views.LogEntry> out = new ArrayList<>();
        for (SecurityEvents.Event e : SecurityEvents.since(afterSeq, Math.max(0, Math.min(limit, 500)))) {
            String contact = "";
            for (Map.Entry<String, String> n : contactBy.entrySet()) {
                if (e.text().contains(n.getKey())) {
                    contact = n.getValue();
                    break;
                }
            }
            String text = e.text();
            if (text.indexOf('#') >= 0) {
                for (Map.Entry<String, String> r : reveal.entrySet()) {
                    text = text.replace(r.getKey(), r.getValue());
                }
            }
            out.add(new Views.LogEntry(e.seq(), e.epochMillis(), e.kind(), contact, text));
        }
        return out;
    }

    @Override
    public List<Views.Grant> standingApprovals() {
        return standing.active().stream().map(KioskBackend::view).toList();
    }

    @Override
    public Views.Grant grantStanding(String contact, long budgetBytes, Duration validFor) {
        try {
            Views.Grant g = KioskBackend.view(standing.grant(contact, budgetBytes, validFor));
            fire("grants");
            return g;
        } catch (IllegalArgumentException e) {
            throw new Failure(e.getMessage());
        }
    }

    @Override
    public boolean revokeStanding(String grantId) {
        boolean r = standing.revoke(grantId);
        fire("grants");
        return r;
    }

    @Override
    public boolean revokeClient(String client) {
        boolean revoked;
        try {
            revoked = pairedClients.revoke(client);
        } catch (IOException e) {
            Logger.tag("security").error("unpairing a client on the kiosk failed: {}", e.getMessage());
            throw new Failure("could not unpair: " + e.getMessage());
        }
        if (revoked) {
            Logger.tag("security").info("client {} unpaired on the kiosk: its token is refused from now on",
                    Redact.client(client));
            fire("status");
            fire("log");
        }
        return revoked;
    }

    @Override
    public void alarm(String kind, String text) {
        alarm = text;
        Logger.tag("security").error("{}: {}", kind.toUpperCase(java.util.Locale.ROOT), text);
        for (Listener l : listeners) {
            l.alarm(text);
        }
        fire("status");
    }

    @Override
    public void panicWipe() {
        try {
            device.panicWipe();
        } catch (VaultException e) {
            throw new Failure(e.getMessage());
        }
        standing.revokeAll();
        alarm("panic", "panic wipe: the vault key was destroyed");
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** Stops listening to the device and the security log. */
    public void close() {
        device.removeListener(deviceListener);
        SecurityEvents.removeListener(logListener);
    }

    private void fire(String what) {
        for (Listener l : listeners) {
            try {
                l.changed(what);
            } catch (RuntimeException e) {
                Logger.warn("kiosk listener failed: {}", e.toString());
            }
        }
    }

    private Vault vault() throws VaultException {
        return device.vault();
    }


    @FunctionalInterface
    private interface VaultCall<T> {
        T run() throws VaultException, IOException;
    }

    private static <T> T call(VaultCall<T> c) {
        try {
            return c.run();
        } catch (VaultException e) {
            throw new Failure(e.kind() == VaultException.Kind.LOCKED ? "vault locked" : e.getMessage());
        } catch (IOException e) {
            throw new Failure("failed: " + e.getMessage());
        }
    }
}
