package org.otpi.appliance.kiosk;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CancellationException;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;
import org.tinylog.Logger;

/**
 * An in-memory {@link KioskBackend} with no real pads: counters only. For tests, screenshots and
 * the emulation walkthrough. Its PIN check is a plain comparison (no Argon2id, no device secret);
 * the real backend is the vault's.
 *
 * <p>Besides the interface it offers what a test needs to drive the kiosk: {@link #seal} and
 * {@link #open} consume pad as the RPC daemon would, {@link #forgery} logs a forged package.
 */
public final class InMemoryKioskBackend implements KioskBackend {
    private byte[] lastBackupPassphrase; // SHA-256, tests only
    private int backups;
    /** Remaining send pad under this fraction of the half is "low". */
    static final double LOW_PAD_FRACTION = 0.10;

    private final Clock clock;
    private final StandingApprovals standing;
    private byte[] pinHash; // null: no vault yet (first run)
    private String deviceId = "otpi-demo-7f3a";
    private String failNextSetup;
    private boolean mediumPresent = true;
    private final Duration baseDelay;
    private final int maxFailures;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, Pad> pads = new LinkedHashMap<>();
    /** Transfer packages "on" media directories: what {@link #exchangeSend} wrote or a test staged. */
    private final Map<String, Package> packages = new LinkedHashMap<>();
    private final List<Views.LogEntry> log = new ArrayList<>();
    private final List<String> pairedClients = new CopyOnWriteArrayList<>(List.of("laptop (alice-x1)"));
    private volatile long generationChunkDelayMillis = 20;
    private boolean unlocked;
    private boolean wiped;
    private int failures;
    private long notBeforeMillis;
    private String alarm = "";
    private long nextSeq = 1;

    private static final class Pad {
        final String padId;
        final long half;
        final String source;
        long sendUsed;
        long receiveUsed;
        boolean expired;
        boolean receiveOnly;
        boolean readOnDevice;

        Pad(String padId, long size, String source) {
            this.padId = padId;
            this.half = (size - 16) / 2;
            this.source = source;
        }
    }

    /** A message kept for the screen (demo: plaintext in memory). */
    private record Kept(String id, String contact, long receivedAt, long expiresAt, byte[] text) {
    }

    private final Map<String, Kept> inbox = new LinkedHashMap<>();
    /** Messages written on the screen and "sealed": contact and text length, oldest first. */
    private final List<String[]> outgoing = new ArrayList<>();
    private Duration keep = Duration.ofDays(7);
    private long nextMessage = 1;

    /** A demo transfer package: who made it for whom, a hash of its code, the words. */
    private record Package(String senderId, String receiverId, long size, byte[] codeHash, List<String> words) {
    }

    /**
     * @param pin         the PIN that unlocks
     * @param baseDelay   wait after the first wrong PIN; doubles with each further failure
     * @param maxFailures wrong PINs before the key is wiped
     */
    public InMemoryKioskBackend(Clock clock, StandingApprovals standing, char[] pin, Duration baseDelay,
                                int maxFailures) {
        this.clock = clock;
        this.standing = standing;
        this.pinHash = sha256(pin);
        this.baseDelay = baseDelay;
        this.maxFailures = maxFailures;
    }

    /**
     * A device at first run: a medium with no vault, so the kiosk offers setup; {@link #createVault}
     * sets the PIN and the device id and unlocks. Same delays as {@link #demo}.
     */
    public static InMemoryKioskBackend empty(Clock clock, StandingApprovals standing) {
        InMemoryKioskBackend b = new InMemoryKioskBackend(clock, standing, new char[0], Duration.ofSeconds(2), 10);
        synchronized (b) {
            b.pinHash = null;
            b.deviceId = "";
        }
        return b;
    }

    /** Makes the next {@link #createVault} fail with {@code text}, as a real medium might (tests). */
    public synchronized void failNextSetup(String text) {
        failNextSetup = text;
    }

    /** Plugs or pulls the vault medium (tests): without it the status says NO_MEDIUM and the vault locks. */
    public void mediumPresent(boolean present) {
        synchronized (this) {
            mediumPresent = present;
            if (!present) {
                unlocked = false;
            }
        }
        fire("status");
        fire("contacts");
    }

    /** Whether a vault exists (false only before first-run setup). */
    public synchronized boolean hasVault() {
        return pinHash != null;
    }

    public synchronized String deviceId() {
        return deviceId;
    }

    /** A demo device: PIN 1234, three contacts, one of them low on pad. */
    public static InMemoryKioskBackend demo(Clock clock, StandingApprovals standing) {
        InMemoryKioskBackend b = new InMemoryKioskBackend(clock, standing, "1234".toCharArray(),
                Duration.ofSeconds(2), 10);
        b.addPad("alice", 1 << 20, "hrng+kernel", 180_000, 95_000);
        b.addPad("bob", 4 << 20, "kernel", 40_000, 1_900_000);
        b.addPad("carol", 256 << 10, "imported", 121_000, 12_000);
        b.record("info", "", "device started");
        return b;
    }

    /** Adds a pad as if generated earlier, with some of each half used. */
    public synchronized void addPad(String contact, long size, String source, long sendUsed, long receiveUsed) {
        Pad p = new Pad(padIdFor(contact), size, source);
        p.sendUsed = sendUsed;
        p.receiveUsed = receiveUsed;
        pads.put(contact, p);
    }

    /** Slows generation down (per 1/50th of the pad) so tests can see progress and cancel. */
    public void setGenerationChunkDelayMillis(long millis) {
        this.generationChunkDelayMillis = millis;
    }

    // ---- what the daemon would do ----------------------------------------------------------

    /** Consumes pad for a seal of messageLength (OTPi v2: |m| + 32); fails when locked. */
    public void seal(String contact, long messageLength) {
        synchronized (this) {
            Pad p = usablePad(contact);
            long cost = messageLength + 32;
            if (p.expired || p.half - p.sendUsed < cost) {
                throw new Failure("not enough pad");
            }
            p.sendUsed += cost;
        }
        fire("contacts");
    }

    /** Records an opened package from contact: its pad is destroyed. */
    public void open(String contact, long packageLength) {
        synchronized (this) {
            Pad p = usablePad(contact);
            p.receiveUsed = Math.min(p.half, p.receiveUsed + packageLength);
        }
        fire("contacts");
    }

    /**
     * A message from {@code contact} opened for the screen only, as the RPC would after a "read on
     * the device" approval: its pad is used, its text kept here until destroyed or expired.
     */
    public String deliverOnDevice(String contact, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        String id;
        synchronized (this) {
            Pad p = usablePad(contact);
            p.receiveUsed = Math.min(p.half, p.receiveUsed + t.length + 32);
            long now = clock.millis();
            id = "m" + nextMessage++;
            inbox.put(id, new Kept(id, contact, now, keep.isZero() ? 0 : now + keep.toMillis(), t));
        }
        fire("contacts");
        fire("inbox");
        return id;
    }

    /** Marks a pad as restored from a backup on a new SD card (receive-only until a skip ahead). */
    public void receiveOnly(String contact, boolean on) {
        synchronized (this) {
            pads.get(contact).receiveOnly = on;
        }
        fire("contacts");
    }

    /** Messages written on the screen so far, as "contact:bytes" (tests). */
    public synchronized List<String> written() {
        return outgoing.stream().map(o -> o[0] + ":" + o[1]).toList();
    }

    /** Whether the kept message {@code id} still exists (tests). */
    public synchronized boolean keeps(String id) {
        return inbox.containsKey(id);
    }

    /** A package for contact failed authentication. */
    public void forgery(String contact, long index) {
        record("forgery", contact, "package at index " + index + " failed authentication: dropped");
        Logger.tag("security").warn("forged package for {} at index {}", org.otpi.appliance.securitylog.Redact.contact(contact), index);
    }

    /** The approval request the RPC daemon would build for a seal. */
    public synchronized ApprovalRequest sealRequest(String id, String client, String contact,
                                                    long messageLength, Duration timeout) {
        Pad p = usablePad(contact);
        long cost = messageLength + 32;
        // The screen shows the text to be sealed: a demo text of that length.
        byte[] text = new byte[(int) Math.min(messageLength, 32 * 1024)];
        byte[] demo = ("Demo message " + id + " for " + contact + ": the real device shows here exactly the text a"
                + " laptop asks to seal. ").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < text.length; i++) {
            text[i] = demo[i % demo.length];
        }
        return new ApprovalRequest(id, client, contact, ApprovalRequest.Operation.SEAL, messageLength,
                cost, Math.max(0, p.half - p.sendUsed - cost), clock.instant().plus(timeout),
                new ApprovalRequest.Details(contact, text, "", "", false, p.readOnDevice));
    }

    /** Adds a security log entry as the daemon would (replay, skip, health, ...). */
    public void logEvent(String kind, String contact, String text) {
        record(kind, contact, text);
    }

    public synchronized boolean isUnlocked() {
        return unlocked;
    }

    public synchronized boolean isWiped() {
        return wiped;
    }

    // ---- KioskBackend ----------------------------------------------------------------------

    @Override
    public Views.UnlockResult unlock(char[] pin) {
        Views.UnlockResult result;
        synchronized (this) {
            long now = clock.millis();
            if (wiped) {
                return new Views.UnlockResult(Views.UnlockResult.Outcome.WIPED, 0, 0);
            }
            if (!mediumPresent) {
                throw new Failure("no vault medium attached");
            }
            if (pinHash == null) {
                throw new Failure("no vault on this medium yet: set one up first");
            }
            if (now < notBeforeMillis) {
                return new Views.UnlockResult(Views.UnlockResult.Outcome.WAIT, notBeforeMillis - now,
                        maxFailures - failures);
            }
            byte[] h = sha256(pin);
            boolean ok = MessageDigest.isEqual(h, pinHash);
            Arrays.fill(h, (byte) 0);
            if (ok) {
                failures = 0;
                unlocked = true;
                alarm = ""; // the person is back at the device
                result = Views.UnlockResult.ok();
            } else if (++failures >= maxFailures) {
                wiped = true;
                result = new Views.UnlockResult(Views.UnlockResult.Outcome.WIPED, 0, 0);
            } else {
                long delay = baseDelay.toMillis() << Math.min(failures - 1, 16);
                notBeforeMillis = now + delay;
                result = new Views.UnlockResult(Views.UnlockResult.Outcome.WRONG, delay, maxFailures - failures);
            }
        }
        switch (result.outcome()) {
            case OK -> record("unlock", "", "vault unlocked");
            case WRONG -> record("pin", "", "wrong PIN (" + result.attemptsLeft() + " attempts left)");
            case WIPED -> record("wipe", "", "too many wrong PINs: wrapped key wiped");
            default -> {
            }
        }
        fire("status");
        fire("contacts");
        return result;
    }

    @Override
    public void createVault(String deviceId, char[] pin) {
        KioskBackend.checkNewVault(deviceId, pin);
        synchronized (this) {
            if (!mediumPresent) {
                throw new Failure("no vault medium attached");
            }
            if (pinHash != null) {
                throw new Failure("a vault already exists on this medium");
            }
            if (failNextSetup != null) {
                String text = failNextSetup;
                failNextSetup = null;
                throw new Failure(text);
            }
            pinHash = sha256(pin);
            this.deviceId = deviceId;
            unlocked = true;
        }
        record("setup", "", "vault created for device " + deviceId);
        fire("status");
        fire("contacts");
    }

    @Override
    public void lock() {
        synchronized (this) {
            unlocked = false;
        }
        standing.revokeAll();
        fire("status");
        fire("contacts");
        fire("grants");
    }

    @Override
    public synchronized Views.Status status() {
        return new Views.Status(deviceId, unlocked, pairedClients,
                List.of(new Views.Tunnel("site-b", "10.9.0.2:51820", unlocked, 3_600_000)),
                List.of(new Views.EntropySource("/dev/otpi-hrng", true, "RCT+APT pass"),
                        new Views.EntropySource("kernel", true, "getrandom")),
                alarm, !mediumPresent ? Views.VaultState.NO_MEDIUM : pinHash == null ? Views.VaultState.SETUP_NEEDED
                        : unlocked ? Views.VaultState.UNLOCKED : Views.VaultState.LOCKED);
    }

    @Override
    public synchronized List<Views.Contact> contacts() {
        if (!unlocked) {
            throw new Failure("vault locked");
        }
        List<Views.Contact> out = new ArrayList<>();
        pads.forEach((c, p) -> out.add(new Views.Contact(c, p.padId, p.half - p.sendUsed, p.half,
                p.half - p.receiveUsed, p.half, p.half - p.sendUsed < p.half * LOW_PAD_FRACTION,
                p.source, p.expired, c, p.receiveOnly, p.readOnDevice)));
        return out;
    }

    @Override
    public PadGeneration generatePad(String contact, long sizeBytes, Progress progress) {
        synchronized (this) {
            if (!unlocked) {
                throw new Failure("vault locked");
            }
            if (contact == null || contact.isBlank() || contact.length() > 64) {
                throw new Failure("bad contact name");
            }
            if (sizeBytes < 1024 || sizeBytes > (1L << 34)) {
                throw new Failure("size must be 1 KiB to 16 GiB");
            }
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                int chunks = 50;
                for (int i = 1; i <= chunks; i++) {
                    Thread.sleep(generationChunkDelayMillis);
                    if (done.isDone()) {
                        return;
                    }
                    progress.update(sizeBytes * i / chunks, sizeBytes);
                }
                synchronized (this) {
                    pads.put(contact, new Pad(padIdFor(contact), sizeBytes, "hrng+kernel"));
                }
                record("generate", contact, "new pad of " + sizeBytes + " bytes (hrng+kernel)");
                fire("contacts");
                done.complete(null);
            } catch (InterruptedException e) {
                done.completeExceptionally(new CancellationException("interrupted"));
            }
        }, "pad-generation");
        t.setDaemon(true);
        t.start();
        return new PadGeneration() {
            @Override
            public CompletableFuture<Void> done() {
                return done;
            }

            @Override
            public void cancel() {
                if (done.completeExceptionally(new Failure("cancelled"))) {
                    record("generate", contact, "pad generation cancelled");
                }
            }
        };
    }

    @Override
    public void importPad(String source) {
        String name = source.replaceAll(".*/", "").replaceAll("\\.pad$", "");
        synchronized (this) {
            if (!unlocked) {
                throw new Failure("vault locked");
            }
            if (name.isBlank() || pads.containsKey(name)) {
                throw new Failure("no new pad in " + source);
            }
            pads.put(name, new Pad(padIdFor(name), 1 << 20, "imported"));
        }
        record("import", name, "pad imported from " + source);
        fire("contacts");
    }

    @Override
    public String exportBackup(String target, char[] passphrase) {
        synchronized (this) {
            if (!unlocked) {
                throw new Failure("vault locked");
            }
        }
        if (passphrase.length < KioskMessage.ExportBackup.MIN_PASSPHRASE) {
            throw new Failure("the passphrase needs at least " + KioskMessage.ExportBackup.MIN_PASSPHRASE + " characters");
        }
        String file = target + "/otpi-backup-demo.otpibak";
        synchronized (this) {
            lastBackupPassphrase = digest(passphrase);
            backups++;
        }
        record("backup", "", "encrypted backup written to " + file);
        return file;
    }

    /**
     * Demo of the sender's half: refuses what the real device refuses (locked, unknown contact,
     * used or imported pad, no medium given) and "writes" a package to {@code target} under a
     * fresh random code; the words are derived from the pad id, the same on both demo sides.
     */
    @Override
    public HandedOver exchangeSend(String contact, String target) {
        Package pkg;
        char[] shown;
        synchronized (this) {
            Pad p = usablePad(contact);
            if (target == null || target.isBlank()) {
                throw new Failure("say where the transfer medium is (a directory on a USB stick)");
            }
            if (p.sendUsed > 0 || p.receiveUsed > 0) {
                throw new Failure("this pad has been used: only a fresh pad is handed over");
            }
            if (p.source.equals("imported")) {
                throw new Failure("only a pad made on this device, for another device, is handed over");
            }
            org.otpi.appliance.exchange.TransferCode code =
                    org.otpi.appliance.exchange.TransferCode.generate(new java.security.SecureRandom());
            shown = code.display();
            code.wipe();
            long size = p.half * 2 + 16;
            pkg = new Package(deviceId, contact, size, digest(shown), words(p.padId));
            packages.put(target, pkg);
        }
        record("exchange", contact, "pad sealed for " + contact + " onto the transfer medium " + target);
        return new HandedOver(contact, contact, pkg.size(), shown, pkg.words());
    }

    /**
     * Demo of the receiver's half: the package on {@code source} (from {@link #exchangeSend} or
     * {@link #stageIncoming}) opens only with its code; a wrong code imports nothing and leaves
     * it; success adds the sender as a contact with a fresh pad and "wipes" the medium.
     */
    @Override
    public Received exchangeReceive(String source, char[] typed) {
        Package pkg;
        synchronized (this) {
            if (!unlocked) {
                throw new Failure("vault locked");
            }
            char[] normal;
            try {
                org.otpi.appliance.exchange.TransferCode c = org.otpi.appliance.exchange.TransferCode.parse(typed);
                normal = c.display();
                c.wipe();
            } catch (IllegalArgumentException e) {
                throw new Failure("that is not a transfer code: 10 letters and digits");
            }
            pkg = packages.get(source);
            if (pkg == null) {
                Arrays.fill(normal, '\0');
                throw new Failure("No transfer package on this medium.");
            }
            boolean right = MessageDigest.isEqual(pkg.codeHash(), digest(normal));
            Arrays.fill(normal, '\0');
            if (!right) {
                log.add(new Views.LogEntry(nextSeq++, clock.millis(), "exchange", "",
                        "transfer package " + source + ": wrong code typed"));
            } else if (!pkg.receiverId().equals(deviceId)) {
                throw new Failure("not imported: this pad was made for " + pkg.receiverId() + ", not for this device");
            } else if (pads.containsKey(pkg.senderId())) {
                throw new Failure("not imported: contact already exists: " + pkg.senderId());
            } else {
                packages.remove(source);
                Pad p = new Pad(padIdFor(pkg.senderId()), pkg.size(), "imported");
                pads.put(pkg.senderId(), p);
            }
            if (!right) {
                fire("log");
                throw new Failure("wrong transfer code: nothing was imported");
            }
        }
        record("exchange", pkg.senderId(), "pad imported from " + pkg.senderId() + "; transfer medium wiped");
        fire("contacts");
        return new Received(pkg.senderId(), pkg.size(), pkg.words());
    }

    /**
     * Puts a transfer package from {@code senderId} for this device on {@code source}, sealed with
     * {@code code} (tests and the demo: the other device's half of the exchange).
     */
    public synchronized void stageIncoming(String source, String senderId, long size, String code) {
        char[] c = org.otpi.appliance.exchange.TransferCode.parse(code.toCharArray()).display();
        packages.put(source, new Package(senderId, deviceId, size, digest(c), words(padIdFor(senderId))));
        Arrays.fill(c, '\0');
    }

    /** Whether a transfer package waits on {@code source} (tests: the medium is "wiped" after import). */
    public synchronized boolean packageOn(String source) {
        return packages.containsKey(source);
    }

    /** The demo fingerprint: six words from the pad id, the same for both sides of one pad. */
    private static List<String> words(String padId) {
        byte[] h = sha256(("fingerprint " + padId).toCharArray());
        List<String> w = new ArrayList<>();
        for (int i = 0; i < org.otpi.appliance.exchange.PadFingerprint.WORDS; i++) {
            w.add(org.otpi.appliance.exchange.FingerprintWords.word(h[i]));
        }
        return w;
    }

    /** Backups "written" so far (tests). */
    public synchronized int backups() {
        return backups;
    }

    /** Whether the last backup was sealed with {@code passphrase} (tests; only a hash is kept). */
    public synchronized boolean lastBackupSealedWith(char[] passphrase) {
        return lastBackupPassphrase != null && MessageDigest.isEqual(lastBackupPassphrase, digest(passphrase));
    }

    private static byte[] digest(char[] chars) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (char c : chars) {
                d.update((byte) (c >> 8));
                d.update((byte) c);
            }
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized List<Views.DeviceMessage> inbox() {
        if (!unlocked) {
            throw new Failure("vault locked");
        }
        long now = clock.millis();
        inbox.values().removeIf(m -> m.expiresAt() > 0 && m.expiresAt() <= now);
        return inbox.values().stream().map(m -> new Views.DeviceMessage(m.id(), m.contact(), m.receivedAt(),
                m.expiresAt(), m.text().length)).toList();
    }

    @Override
    public synchronized int outgoingCount() {
        return outgoing.size();
    }

    @Override
    public synchronized DeviceText readMessage(String id) {
        if (!unlocked) {
            throw new Failure("vault locked");
        }
        Kept m = inbox.get(id);
        if (m == null) {
            throw new Failure("this message is gone (destroyed, or its time was up)");
        }
        return new DeviceText(m.contact(), m.text().clone());
    }

    @Override
    public void destroyMessage(String id) {
        synchronized (this) {
            if (!unlocked) {
                throw new Failure("vault locked");
            }
            Kept m = inbox.remove(id);
            if (m == null) {
                throw new Failure("this message is gone already");
            }
            Arrays.fill(m.text(), (byte) 0);
        }
        record("destroy", "", "a message kept on the device was destroyed");
        fire("inbox");
    }

    @Override
    public synchronized Duration keepOnDevice() {
        return keep;
    }

    @Override
    public void keepOnDevice(Duration keep) {
        synchronized (this) {
            this.keep = keep;
        }
        fire("inbox");
    }

    @Override
    public Composed compose(String contact, byte[] text) {
        long cost = text.length + 32;
        Composed c;
        synchronized (this) {
            Pad p = usablePad(contact);
            if (p.receiveOnly) {
                throw new Failure("this pad is receive-only (restored from a backup): skip ahead on its pad card,"
                        + " or wait for the contact's next message");
            }
            if (p.expired || p.half - p.sendUsed < cost) {
                throw new Failure("not enough pad left for this message");
            }
            long index = 16 + p.sendUsed;
            p.sendUsed += cost;
            outgoing.add(new String[] {contact, String.valueOf(text.length)});
            c = new Composed(contact, cost, index, p.half - p.sendUsed);
        }
        record("seal", "", "a message written on the device was sealed (" + cost + " pad bytes)");
        fire("contacts");
        fire("inbox");
        return c;
    }

    @Override
    public void setReadOnDevice(String contact, boolean on) {
        synchronized (this) {
            usablePad(contact).readOnDevice = on;
        }
        fire("contacts");
    }

    @Override
    public void skipAhead(String contact, long bytes) {
        synchronized (this) {
            Pad p = usablePad(contact);
            if (bytes <= 0 || bytes > p.half - p.sendUsed) {
                throw new Failure("skip between 1 byte and what is left (" + (p.half - p.sendUsed) + " bytes)");
            }
            p.sendUsed += bytes;
            p.receiveOnly = false;
        }
        record("skip", contact, "send cursor skipped ahead " + bytes + " bytes by the person at the device");
        fire("contacts");
    }

    @Override
    public void deletePad(String contact) {
        synchronized (this) {
            usablePad(contact);
            pads.remove(contact);
        }
        record("delete", contact, "pad destroyed");
        fire("contacts");
    }

    @Override
    public void expirePad(String contact) {
        synchronized (this) {
            usablePad(contact).expired = true;
        }
        record("expire", contact, "pad retired");
        fire("contacts");
    }

    @Override
    public synchronized List<Views.LogEntry> securityLog(long afterSeq, int limit) {
        return log.stream().filter(e -> e.seq() > afterSeq).limit(Math.max(0, limit)).toList();
    }

    @Override
    public List<Views.Grant> standingApprovals() {
        return standing.active().stream().map(KioskBackend::view).toList();
    }

    @Override
    public Views.Grant grantStanding(String contact, long budgetBytes, Duration validFor) {
        synchronized (this) {
            usablePad(contact);
        }
        try {
            Views.Grant g = KioskBackend.view(standing.grant(contact, budgetBytes, validFor));
            fire("grants");
            return g;
        } catch (IllegalArgumentException e) {
            throw new Failure(e.getMessage());
        }
    }

    @Override
    public boolean revokeClient(String client) {
        boolean removed = pairedClients.remove(client);
        if (removed) {
            Logger.tag("security").info("client {} unpaired on the kiosk", org.otpi.appliance.securitylog.Redact.client(client));
            fire("status");
        }
        return removed;
    }

    @Override
    public boolean revokeStanding(String grantId) {
        boolean revoked = standing.revoke(grantId);
        fire("grants");
        return revoked;
    }

    @Override
    public void alarm(String kind, String text) {
        synchronized (this) {
            alarm = text;
        }
        record(kind, "", text);
        for (Listener l : listeners) {
            l.alarm(text);
        }
        fire("status");
    }

    @Override
    public void panicWipe() {
        synchronized (this) {
            wiped = true;
        }
        lock();
        alarm("panic", "panic wipe: wrapped vault key destroyed");
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private Pad usablePad(String contact) {
        if (!unlocked) {
            throw new Failure("vault locked");
        }
        Pad p = pads.get(contact);
        if (p == null) {
            throw new Failure("no pad for " + contact);
        }
        return p;
    }

    private void record(String kind, String contact, String text) {
        synchronized (this) {
            log.add(new Views.LogEntry(nextSeq++, clock.millis(), kind, contact, text));
        }
        fire("log");
    }

    private void fire(String what) {
        for (Listener l : listeners) {
            l.changed(what);
        }
    }


    private static String padIdFor(String contact) {
        return HexFormat.of().formatHex(sha256(contact.toCharArray()), 0, 8);
    }

    private static byte[] sha256(char[] chars) {
        try {
            java.nio.ByteBuffer bytes = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(chars));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes.duplicate());
            bytes.clear();
            while (bytes.hasRemaining()) {
                bytes.put((byte) 0);
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
