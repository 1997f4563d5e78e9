package org.otpi.appliance.vault;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.pad.Direction;
import org.otpi.appliance.pad.InsecurePadAccess;
import org.otpi.appliance.pad.Otc1Codec;
import org.otpi.appliance.pad.Otp2Codec;
import org.otpi.appliance.pad.PadFile;
import org.otpi.appliance.pad.PadGeometry;
import org.otpi.appliance.pad.TagMismatchException;
import org.otpi.protocol.format.ArmoredMessage;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.OtcV1Package;
import org.otpi.protocol.format.V2Header;
import org.tinylog.Logger;

/**
 * The encrypted vault on the removable medium, and the pad engine on top of it (DESIGN sections
 * 4 and 5). This is the only way the rest of the appliance reaches pads; it offers operations
 * (seal, open, stats), never pad bytes.
 *
 * <p>Who guarantees what: {@link PadLedger} keeps each pad's cursors and opened ranges (pure);
 * {@link Journal} makes each change durable; {@link HighWaterMarks} keeps what was used on the SD
 * card, beyond the reach of the medium; {@link PadFile} keeps pad bytes with random nonces and
 * destroys them; {@link VaultAccess} holds the key and the wipe.
 *
 * <p>Law 1, in order, for every seal ({@link #seal}, {@link #sealFile}): the ledger reserves the
 * range, the journal records the new cursor (fsync), the SD card's mark is raised (fsync), the
 * package is computed, the used pad is destroyed (fsync), the package is returned. Every unlock,
 * import and restore raises the cursors to the marks first. A restored pad the SD card has no mark
 * for is receive-only until an authenticated ack or an explicit skip ahead.
 *
 * <p>For every open: the range is classified (new, replay, or a repeat of a package whose pad is
 * kept for its client), the tag is checked, the opened range is journaled (fsync) and marked
 * before any plaintext leaves, then the pad is destroyed, or kept until the client confirms.
 *
 * <p>Thread-safety: safe for concurrent use. Operations on one contact are serialized by that
 * contact's lock; different contacts proceed in parallel; the journal serializes its appends.
 */
public final class Vault implements AutoCloseable {
    /** Smallest pad accepted: the id plus room for a few messages each way. */
    public static final long MIN_PAD_SIZE = 1024;
    /** Largest in-memory message; larger payloads go through the file operations. */
    public static final int MAX_MESSAGE = 16 * 1024 * 1024;
    /** Bytes of one tunnel key slot (the PSK note's layout). */
    public static final int SLOT_LENGTH = PadLedger.SLOT;
    private static final long COMPACT_AT = 8L * 1024 * 1024;
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final Path medium;
    private final Path padDir;
    private final VaultPolicy policy;
    private final DeviceSecret secret;
    private final HighWaterMarks marks;
    private final String deviceId;
    private final Clock clock;
    private final ReentrantReadWriteLock compaction = new ReentrantReadWriteLock();
    private final Map<String, Entry> contacts = new TreeMap<>();
    private final VaultReceiver receiver = new VaultReceiver(this);
    private final OnDevice onDevice = new OnDevice(this);
    private byte[] vaultKey;
    private VaultRecorder recorder;
    private VaultItems items;
    private MediumLock mediumLock;
    private volatile boolean closed;
    private volatile Long keepOpenedMillis; // the person's setting; null: the policy's

    /** A contact with its pad's ledger, its file and its lock. */
    static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        final VaultState.Contact contact;
        final PadLedger ledger;
        PadFile file;

        Entry(String deviceId, VaultState.Contact contact) {
            this.contact = contact;
            this.ledger = contact.pad == null ? null : new PadLedger(deviceId, contact);
        }

        String name() {
            return contact.name;
        }
    }

    private Vault(Path medium, VaultPolicy policy, DeviceSecret secret, HighWaterMarks marks, String deviceId,
                  byte[] vaultKey, Clock clock) {
        this.medium = medium;
        this.padDir = medium.resolve("pads");
        this.policy = policy;
        this.secret = secret;
        this.marks = marks;
        this.deviceId = deviceId;
        this.vaultKey = vaultKey;
        this.clock = clock;
    }

    // ------------------------------------------------------------------------------------------
    // Create, unlock, lock, wipe

    /**
     * Creates a new vault on {@code medium} for device {@code deviceId}. The device secret is
     * created in {@code stateDir} if it does not exist yet.
     */
    public static Vault create(Path medium, Path stateDir, String deviceId, char[] pin, Argon2id kdf,
                               VaultPolicy policy) throws VaultException {
        checkId(deviceId);
        if (pin == null || pin.length < 4) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "the PIN must have at least 4 characters");
        }
        try {
            Files.createDirectories(medium);
            Files.createDirectories(stateDir);
            Durable.restrict(stateDir);
            if (VaultHeader.exists(medium)) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "a vault already exists on this medium");
            }
            return underMediumLock(medium, () -> {
                // Again under the lock: another process (otpi-admin init, the appliance) may have
                // created one since the check above, and the writes below would replace it.
                if (VaultHeader.exists(medium) || Files.exists(medium.resolve(Journal.FILE))) {
                    throw new VaultException(VaultException.Kind.BAD_INPUT, "a vault already exists on this medium");
                }
                SecureRandom rnd = new SecureRandom();
                byte[] key = new byte[32];
                byte[] vaultId = new byte[16];
                rnd.nextBytes(key);
                rnd.nextBytes(vaultId);
                Files.createDirectories(medium.resolve("pads"));
                VaultState.Record dev = new VaultState.Record();
                dev.op = "device";
                dev.deviceId = deviceId;
                Journal j = Journal.create(medium.resolve(Journal.FILE), key, List.of(JSON.writeValueAsBytes(dev)));
                // Wrong-PIN counts are kept per vault id on the SD card: a new vault starts its own
                // and leaves every other vault's count (a stick under attack) as it is.
                DeviceSecret secret = VaultAccess.create(medium, stateDir, key, vaultId, pin, kdf);
                Vault v = new Vault(medium, policy, secret, new HighWaterMarks(stateDir, secret), deviceId, key,
                        Clock.systemUTC());
                v.recorder = new VaultRecorder(j, v.marks);
                v.items = new VaultItems(medium, key);
                Logger.tag("security").info("vault created for device {}", deviceId);
                return v;
            });
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot create the vault: " + e.getMessage(), e);
        }
    }

    /** Unlocks the vault on {@code medium} with the PIN and this device's secret. */
    public static Vault unlock(Path medium, Path stateDir, char[] pin, VaultPolicy policy, Clock clock)
            throws VaultException {
        try {
            if (!VaultHeader.exists(medium)) {
                throw new VaultException(VaultException.Kind.NO_VAULT, "no vault on this medium");
            }
            return underMediumLock(medium, () -> {
                VaultAccess.Keys keys = VaultAccess.unlock(medium, stateDir, pin, policy, clock);
                Vault v = load(medium, policy, keys.secret(), new HighWaterMarks(stateDir, keys.secret()),
                        keys.vaultKey(), clock);
                Logger.tag("security").info("vault unlocked");
                return v;
            });
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot read the vault: " + e.getMessage(), e);
        }
    }

    /**
     * Panic wipe: destroys the wrapped vault key on {@code medium} in place and rotates this
     * device's secret in {@code stateDir}, so neither this medium nor any copy of it opens again.
     * Works whether or not the vault is unlocked.
     */
    public static void destroyKey(Path medium, Path stateDir) throws VaultException {
        try {
            VaultAccess.panic(medium, stateDir);
            Logger.tag("security").error("PANIC: the wrapped vault key was destroyed and the device secret replaced");
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot destroy the vault key: " + e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface VaultOpener {
        Vault open() throws IOException, VaultException;
    }

    /** Opens a vault while holding the medium's lock; the vault keeps it until closed. */
    private static Vault underMediumLock(Path medium, VaultOpener opener) throws IOException, VaultException {
        MediumLock lock = MediumLock.acquire(medium);
        boolean ok = false;
        try {
            Vault v = opener.open();
            v.mediumLock = lock;
            ok = true;
            return v;
        } finally {
            if (!ok) {
                lock.close();
            }
        }
    }

    private static Vault load(Path medium, VaultPolicy policy, DeviceSecret secret, HighWaterMarks marks,
                              byte[] key, Clock clock) throws IOException, VaultException {
        Path jpath = medium.resolve(Journal.FILE);
        List<byte[]> records = new ArrayList<>();
        Journal j = null;
        boolean legacy = Journal.isLegacy(jpath);
        if (legacy) {
            records = LegacyFormats.readJournalV1(jpath, key);
        } else {
            j = Journal.open(jpath, key, records);
        }
        JournalReplay replay = new JournalReplay();
        try {
            for (byte[] r : records) {
                replay.apply(JSON.readValue(r, VaultState.Record.class));
                Arrays.fill(r, (byte) 0);
            }
        } catch (IOException | RuntimeException e) {
            if (j != null) {
                j.close();
            }
            throw new VaultException(VaultException.Kind.CORRUPT, "vault journal damaged: " + e.getMessage(), e);
        }
        if (replay.deviceId == null) {
            if (j != null) {
                j.close();
            }
            throw new VaultException(VaultException.Kind.CORRUPT, "vault journal has no device record");
        }
        Vault v = new Vault(medium, policy, secret, marks, replay.deviceId, key, clock);
        v.keepOpenedMillis = replay.keepOpenedMillis;
        for (VaultState.Contact c : replay.resolved().values()) {
            v.contacts.put(c.name, new Entry(replay.deviceId, c));
        }
        if (legacy) {
            VaultMigration.migrate(v, medium, key);
            j = Journal.create(jpath, key, List.of(v.snapshotRecord()));
            Logger.tag("security").info("vault migrated to random-nonce formats (journal v2, pad files v2)");
        }
        v.recorder = new VaultRecorder(j, marks);
        v.items = new VaultItems(medium, key);
        int expired = v.items.expire(clock.millis());
        if (expired > 0) {
            Logger.tag("security").info("{} messages kept on the device expired and were destroyed", expired);
        }
        for (Entry e : v.contacts.values()) {
            if (e.ledger != null) {
                v.openPad(e);
            }
        }
        v.removeOrphanPadFiles();
        if (j.size() > COMPACT_AT / 8) {
            v.compact();
        }
        return v;
    }

    private void openPad(Entry e) throws IOException {
        VaultState.Pad p = e.ledger.pad;
        e.file = PadFile.open(padDir.resolve(p.file), HexFormat.of().parseHex(p.file), chunkKey(p), p.size, p.chunkSize);
        // Rollback check: a medium older than this device's high-water mark (a restored copy, a
        // journal cut short) must not let us reuse pad or accept again what we opened.
        Optional<HighWaterMarks.Mark> m = marks.get(padId(e), e.ledger.geometry, e.ledger.own, true);
        if (m.isPresent() && e.ledger.applyMark(m.get())) {
            Logger.tag("security").warn("ROLLBACK: pad {} is behind this device's high-water mark (an old copy of the"
                    + " medium?): cursors moved ahead to the mark", p.padId);
            persistWhole(e);
        } else {
            raiseMark(e);
        }
        expireKept(e);
        destroyDead(e);
    }

    private void removeOrphanPadFiles() throws IOException {
        if (!Files.isDirectory(padDir)) {
            return;
        }
        List<String> known = contacts.values().stream().filter(e -> e.ledger != null).map(e -> e.ledger.pad.file).toList();
        try (Stream<Path> files = Files.list(padDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                String base = name.endsWith(".redo") ? name.substring(0, name.length() - 5) : name;
                if (!known.contains(base)) {
                    Logger.warn("removing an unreferenced pad file left by an interrupted operation");
                    overwriteAndDelete(f);
                }
            }
        }
    }

    static void overwriteAndDelete(Path f) throws IOException {
        long size = Files.size(f);
        try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocate(64 * 1024);
            for (long pos = 0; pos < size; pos += zeros.capacity()) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                while (zeros.hasRemaining()) {
                    ch.write(zeros, pos + zeros.position());
                }
            }
            ch.force(true);
        }
        Files.delete(f);
    }

    /** This device's id (orders Person 0/1 with each contact). */
    public String deviceId() {
        return deviceId;
    }

    /** Locks the vault: closes files and zeroes keys in memory. Idempotent. */
    @Override
    public void close() {
        compaction.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry e : contacts.values()) {
                closeQuietly(e.file);
            }
            contacts.clear();
            closeQuietly(recorder == null ? null : recorder.journal());
            closeQuietly(items);
            closeQuietly(marks);
            closeQuietly(mediumLock);
            secret.close();
            Arrays.fill(vaultKey, (byte) 0);
            Logger.tag("security").info("vault locked");
        } finally {
            compaction.writeLock().unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------------------------------
    // Contacts and pads

    /** Statistics of every contact that has a pad, by name. */
    public List<PadStats> contacts() throws VaultException {
        compaction.readLock().lock();
        try {
            ensureOpen();
            List<PadStats> out = new ArrayList<>();
            for (Entry e : snapshotEntries()) {
                e.lock.lock();
                try {
                    if (e.ledger != null) {
                        out.add(stats(e));
                    }
                } finally {
                    e.lock.unlock();
                }
            }
            return out;
        } finally {
            compaction.readLock().unlock();
        }
    }

    /** Statistics of one contact's pad. */
    public PadStats stats(String contact) throws VaultException {
        return withContact(contact, this::stats);
    }

    /**
     * Imports a raw pad ({@code size} bytes from {@code raw}, the first 16 of which are its public
     * id) for a new contact. {@code source} says where it came from ("imported", "kernel",
     * "hrng+kernel"). If this device has used this pad before (it was deleted and is imported
     * again), its cursors start beyond the high-water marks, whichever half it is now used from.
     */
    public PadStats importPad(String contact, String remoteId, InputStream raw, long size, String source,
                              String kind, PadFile.ProgressListener progress) throws VaultException {
        NewPad p = beginPad(contact, remoteId, size, source, kind, progress);
        byte[] buf = new byte[64 * 1024];
        try {
            long left = size;
            while (left > 0) {
                int n = raw.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("the pad file ended early: expected " + size + " bytes");
                }
                p.write(buf, 0, n);
                left -= n;
            }
        } catch (IOException e) {
            p.abort();
            throw new VaultException(VaultException.Kind.IO, "pad import failed: " + e.getMessage(), e);
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
        return p.commit();
    }

    /**
     * Starts a new pad for a new contact whose bytes are pushed as they are made (pad generation,
     * the in-person exchange) and written straight into the encrypted medium. Nothing is visible
     * until {@link NewPad#commit()}; {@link NewPad#abort()} leaves nothing behind.
     */
    public NewPad beginPad(String contact, String remoteId, long size, String source, String kind,
                           PadFile.ProgressListener progress) throws VaultException {
        checkId(contact);
        checkId(remoteId);
        if (remoteId.equals(deviceId)) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "a contact cannot have this device's own id");
        }
        if (size < MIN_PAD_SIZE) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "pad too small: at least " + MIN_PAD_SIZE + " bytes");
        }
        compaction.readLock().lock();
        try {
            ensureOpen();
            synchronized (contacts) {
                if (contacts.containsKey(contact)) {
                    throw new VaultException(VaultException.Kind.CONTACT_EXISTS, "contact already exists: " + contact);
                }
            }
            VaultState.Contact c = new VaultState.Contact();
            c.name = contact;
            c.remoteId = remoteId;
            c.pad = newPadState(size, source, kind == null ? "message" : kind);
            Entry e = new Entry(deviceId, c);
            Files.createDirectories(padDir);
            PadFile.Writer w = PadFile.begin(padDir.resolve(c.pad.file), HexFormat.of().parseHex(c.pad.file),
                    chunkKey(c.pad), size, c.pad.chunkSize, progress);
            return new NewPad(e, w);
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.IO, "cannot start a pad: " + ex.getMessage(), ex);
        } finally {
            compaction.readLock().unlock();
        }
    }

    /** Fresh state for a new pad file (random file name and key salt, current format). */
    static VaultState.Pad newPadState(long size, String source, String kind) {
        VaultState.Pad p = new VaultState.Pad();
        p.file = HexFormat.of().formatHex(random(16));
        p.fileSalt = HexFormat.of().formatHex(random(16));
        p.format = 2;
        p.size = size;
        p.chunkSize = PadFile.DEFAULT_CHUNK_SIZE;
        p.source = source;
        p.kind = kind;
        p.split = PadGeometry.withDefaultSplit(size).split();
        p.created = System.currentTimeMillis();
        return p;
    }

    /** A pad being written into the vault; see {@link #beginPad}. Used by one thread. */
    public final class NewPad {
        private final Entry entry;
        private final PadFile.Writer writer;

        private NewPad(Entry entry, PadFile.Writer writer) {
            this.entry = entry;
            this.writer = writer;
        }

        /** Appends pad bytes (the first 16 of the pad are its public id). */
        public void write(byte[] b, int off, int len) throws IOException {
            writer.write(b, off, len);
        }

        /** Discards everything written. Idempotent. */
        public void abort() {
            writer.abort();
        }

        /** Makes the pad durable and visible; refuses a pad already used with another contact. */
        public PadStats commit() throws VaultException {
            compaction.readLock().lock();
            try {
                ensureOpen();
                PadFile file = writer.finish();
                entry.file = file;
                VaultState.Pad p = entry.ledger.pad;
                p.padId = HexFormat.of().formatHex(file.padId());
                p.lowThreshold = entry.ledger.sendCapacity() * policy.lowPadPercent() / 100;
                String contact = entry.name();
                synchronized (contacts) {
                    for (Entry other : contacts.values()) {
                        if (other.ledger != null && p.padId.equals(other.ledger.pad.padId)) {
                            file.wipeAndDelete();
                            throw new VaultException(VaultException.Kind.CONTACT_EXISTS,
                                    "this pad is already used with another contact (one pad, one contact)");
                        }
                    }
                    if (contacts.containsKey(contact)) {
                        file.wipeAndDelete();
                        throw new VaultException(VaultException.Kind.CONTACT_EXISTS, "contact already exists: " + contact);
                    }
                    Optional<HighWaterMarks.Mark> m = marks.get(padId(entry), entry.ledger.geometry, entry.ledger.own,
                            false);
                    if (m.isPresent() && entry.ledger.applyMark(m.get())) {
                        Logger.tag("security").warn("pad {} was used on this device before: cursors start beyond its"
                                + " high-water mark", p.padId);
                    }
                    entry.lock.lock();
                    try {
                        persistWhole(entry);
                        contacts.put(contact, entry);
                        destroyDead(entry);
                    } finally {
                        entry.lock.unlock();
                    }
                }
                Logger.tag("security").info("pad {} stored ({} bytes, source {})", p.padId, p.size, p.source);
                return stats(contact);
            } catch (IOException ex) {
                writer.abort();
                throw new VaultException(VaultException.Kind.IO, "storing the pad failed: " + ex.getMessage(), ex);
            } finally {
                compaction.readLock().unlock();
            }
        }
    }

    /** Deletes a contact and overwrites its pad file. High-water marks stay on the SD card. */
    public void deletePad(String contact) throws VaultException {
        withContact(contact, e -> {
            recorder.delete(contact);
            synchronized (contacts) {
                contacts.remove(contact);
            }
            if (e.file != null) {
                e.file.wipeAndDelete();
            }
            Logger.tag("security").info("pad deleted for a contact");
            return null;
        });
    }

    /** Retires a contact's pad here: no further seals. (To tell the peer, seal a last message with expire.) */
    public PadStats expire(String contact) throws VaultException {
        return withContact(contact, e -> {
            VaultState.Pad p = pad(e);
            p.expired = true;
            p.expiredBy = "local";
            persistWhole(e);
            Logger.tag("security").info("pad {} retired locally", p.padId);
            return stats(e);
        });
    }

    /**
     * Moves our send cursor {@code bytes} ahead, skipping pad that may have been used elsewhere
     * (a restored pad whose use since the backup this device cannot know). The person decides this
     * on the device, after being shown the amount. Ends a restored pad's receive-only state.
     */
    public PadStats skipAhead(String contact, long bytes) throws VaultException {
        if (bytes < 0) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "cannot skip back");
        }
        return withContact(contact, e -> {
            PadLedger l = ledger(e);
            long to = Math.min(l.sendCapacity(), l.pad.sendUsed + bytes);
            if (l.applySend(to)) {
                persistSend(e);
            }
            unblock(e);
            destroyDead(e);
            Logger.tag("security").warn("send cursor of pad {} skipped ahead {} bytes by the person at the device",
                    l.pad.padId, bytes);
            return stats(e);
        });
    }

    /**
     * The whole pad of {@code contact} as plaintext (used parts as zeros), for the in-person
     * exchange only, which seals it under the transfer code as it reads. The stream holds the
     * contact's lock until it is closed.
     */
    public InputStream openPadForTransfer(String contact, InsecurePadAccess token) throws VaultException {
        compaction.readLock().lock();
        Entry e;
        try {
            ensureOpen();
            synchronized (contacts) {
                e = contacts.get(contact);
            }
            if (e == null) {
                throw new VaultException(VaultException.Kind.UNKNOWN_CONTACT, "unknown contact");
            }
            pad(e);
            e.lock.lock();
        } finally {
            compaction.readLock().unlock();
        }
        final Entry held = e;
        InputStream plain = held.file.openPlain(held.ledger.dead(), token);
        Logger.tag("security").info("pad {} opened for an in-person transfer", held.ledger.pad.padId);
        return new java.io.FilterInputStream(plain) {
            private boolean closed;

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    try {
                        super.close();
                    } finally {
                        held.lock.unlock();
                    }
                }
            }
        };
    }

    // ------------------------------------------------------------------------------------------
    // Site links: a pad of kind "site-link" holds the tunnel's 120-byte key slots after its id

    /** Number of tunnel key slots in a site-link pad. */
    public long siteLinkSlots(String contact) throws VaultException {
        return withContact(contact, e -> {
            siteLinkPad(e);
            return e.ledger.slots();
        });
    }

    /**
     * Copies tunnel key slot {@code index} of a site-link pad into {@code dst} (destroyed halves
     * read as zeros). The tunnel keeps keys in memory while it uses them: that is why this needs
     * the token. Never works on a message pad (law 3).
     */
    public void readSiteLinkSlot(String contact, long index, byte[] dst, InsecurePadAccess token) throws VaultException {
        java.util.Objects.requireNonNull(token, "tunnel keys need an InsecurePadAccess token");
        withContact(contact, e -> {
            VaultState.Pad p = siteLinkPad(e);
            long off = PadGeometry.PAD_ID_LENGTH + index * SLOT_LENGTH;
            if (index < 0 || off + SLOT_LENGTH > p.size) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "no such key slot");
            }
            try (InputStream in = e.file.openPlain(e.ledger.dead(), token, off)) {
                if (in.readNBytes(dst, 0, SLOT_LENGTH) != SLOT_LENGTH) {
                    throw new IOException("key slot truncated");
                }
            }
            return null;
        });
    }

    /**
     * Destroys key half {@code half} (0: the initiator's, the first 60 bytes of a slot; 1: the
     * responder's) of every slot below {@code below}, durably. One small journal record whatever
     * the number of slots: a tunnel running for years costs the same per slot as on its first day.
     */
    public void destroySiteLinkHalves(String contact, int half, long below) throws VaultException {
        if (half != 0 && half != 1) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "a slot has halves 0 and 1");
        }
        withContact(contact, e -> {
            siteLinkPad(e);
            long before = e.ledger.slotsBelow(half);
            if (!e.ledger.applySlots(half, below)) {
                return null;
            }
            recorder.slots(e, half);
            long lo = PadGeometry.PAD_ID_LENGTH + before * SLOT_LENGTH;
            long hi = PadGeometry.PAD_ID_LENGTH + e.ledger.slotsBelow(half) * SLOT_LENGTH;
            e.file.destroyDeadIn(lo, hi, e.ledger.dead());
            maybeCompactLater();
            return null;
        });
        maybeCompact();
    }

    private static VaultState.Pad siteLinkPad(Entry e) throws VaultException {
        VaultState.Pad p = pad(e);
        if (!p.siteLink()) {
            throw new VaultException(VaultException.Kind.WRONG_PAD, "not a site-link pad (one pad, one use)");
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------
    // Backups

    /** What a restore did: pads restored, skipped (already here), and restored receive-only. */
    public record RestoreReport(List<String> restored, List<String> skipped, List<String> receiveOnly) {
        public RestoreReport(List<String> restored, List<String> skipped) {
            this(restored, skipped, List.of());
        }
    }

    /**
     * Writes an encrypted backup of every pad (used parts as zeros) and its state to {@code out},
     * sealed with {@code passphrase} (Argon2id + ChaCha20-Poly1305).
     */
    public void exportBackup(OutputStream out, char[] passphrase, Argon2id kdf) throws VaultException {
        new VaultBackups(this).export(out, passphrase, kdf);
    }

    /**
     * Restores pads from an encrypted backup. Contacts that already exist here (by name or by pad
     * id) are skipped. Cursors never go below this device's high-water marks; a pad this SD card has
     * no mark for (a new card after the old one died) is restored receive-only: it cannot know what
     * was sent since the backup, so it sends again only after the contact's authenticated ack says
     * how far they have read, or after the person skips ahead on the device.
     */
    public RestoreReport restoreBackup(InputStream in, char[] passphrase) throws VaultException {
        return new VaultBackups(this).restore(in, passphrase);
    }

    // ------------------------------------------------------------------------------------------
    // Seal

    /** Pad bytes a seal of {@code messageLength} bytes would consume. */
    public static long sealCost(int messageLength, SealOptions o) {
        return switch (o.format()) {
            case OTC_V1 -> OtcV1Package.padCost(messageLength);
            case V2, ARMOR -> (o.padLength() ? V2Header.paddedLength(messageLength) : messageLength) + V2Header.KEY_LENGTH;
        };
    }

    /** Seals {@code message} for {@code contact}. Returns only after the cursor is durable. */
    public Sealed seal(String contact, byte[] message, SealOptions o) throws VaultException {
        if (message.length > MAX_MESSAGE) {
            throw new VaultException(VaultException.Kind.TOO_LARGE, "message too large for a seal; use the file operations");
        }
        Sealed s = withContact(contact, e -> {
            PadLedger l = ledger(e);
            long cost = sealCost(message.length, o);
            long from = reserve(e, cost);
            long index = l.geometry.indexOf(l.own, from);
            byte[] out;
            if (o.format() == Format.OTC_V1) {
                out = Otc1Codec.seal(e.file, l.own, index, message);
            } else {
                byte[] body = Otp2Codec.frame(message, o.padLength());
                int flags = (o.padLength() ? V2Header.FLAG_PADDED : 0) | (o.expire() ? V2Header.FLAG_EXPIRED : 0);
                V2Header h = new V2Header(flags, padId(e), index, l.pad.receiveFrontier, body.length);
                out = Otp2Codec.seal(e.file, l.own, h, body);
                Arrays.fill(body, (byte) 0);
                if (o.format() == Format.ARMOR) {
                    out = armor(l, h, out).getBytes(StandardCharsets.UTF_8);
                }
            }
            destroyRange(e, l.geometry.absoluteRange(l.own, from, cost));
            if (o.expire()) {
                l.pad.expired = true;
                l.pad.expiredBy = "local";
                persistWhole(e);
            }
            PadStats st = stats(e);
            if (st.low()) {
                Logger.tag("security").warn("low pad: {} bytes left for a contact", st.sendRemaining());
            }
            return new Sealed(out, index, cost, st.sendRemaining(), st.low());
        });
        maybeCompact();
        return s;
    }

    /** Seals {@code length} bytes from {@code in} as one v2 package written to {@code out}. */
    public Sealed sealFile(String contact, InputStream in, long length, OutputStream out) throws VaultException {
        if (length < 0 || length > V2Header.MAX_LENGTH) {
            throw new VaultException(VaultException.Kind.TOO_LARGE, "file too large for one package (4 GiB)");
        }
        Sealed s = withContact(contact, e -> {
            PadLedger l = ledger(e);
            long cost = length + V2Header.KEY_LENGTH;
            long from = reserve(e, cost);
            long index = l.geometry.indexOf(l.own, from);
            V2Header h = new V2Header(0, padId(e), index, l.pad.receiveFrontier, length);
            try {
                Otp2Codec.sealStream(e.file, l.own, h, in, out);
            } finally {
                destroyRange(e, l.geometry.absoluteRange(l.own, from, cost));
            }
            PadStats st = stats(e);
            return new Sealed(null, index, cost, st.sendRemaining(), st.low());
        });
        maybeCompact();
        return s;
    }

    /**
     * Law 1: advances our cursor by {@code cost} and makes it durable (journal fsync, then the SD
     * card's high-water mark) before returning the stream offset where the reserved range starts.
     */
    private long reserve(Entry e, long cost) throws IOException, VaultException {
        long from;
        try {
            from = ledger(e).reserve(cost);
        } catch (VaultException ex) {
            if (ex.kind() == VaultException.Kind.PAD_EXHAUSTED) {
                Logger.tag("security").warn("pad exhausted: {} bytes needed, {} left (pad {})", cost,
                        e.ledger.sendRemaining(), e.ledger.pad.padId);
            }
            throw ex;
        }
        persistSend(e);
        return from;
    }

    // ------------------------------------------------------------------------------------------
    // Open

    /**
     * Opens a v1 or v2 package from {@code contact} and destroys its pad at once. Replays (pad
     * already opened here) and forgeries are rejected and logged; skips and late arrivals are
     * accepted with a warning.
     */
    public Opened open(String contact, byte[] pkg) throws VaultException {
        return open(contact, pkg, false);
    }

    /**
     * Opens a package; with {@code keep}, its pad stays on the medium until
     * {@link #confirmOpened} (or the policy's keep period), and the same package opened again
     * meanwhile comes back marked {@link Opened#repeat()} instead of being refused as a replay:
     * a client that crashed before it stored the message gets it again.
     */
    public Opened open(String contact, byte[] pkg, boolean keep) throws VaultException {
        Opened o = withContact(contact, e -> V2Header.looksLikeV2(pkg) ? openV2(e, pkg, keep) : openV1(e, pkg, keep));
        maybeCompact();
        return o;
    }

    /** Opens an armored text message from {@code contact}. */
    public Opened openArmored(String contact, String text) throws VaultException {
        return openArmored(contact, text, false);
    }

    /** Opens an armored text message from {@code contact}; {@code keep} as in {@link #open(String, byte[], boolean)}. */
    public Opened openArmored(String contact, String text, boolean keep) throws VaultException {
        ArmoredMessage a;
        try {
            a = ArmoredMessage.parse(text);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("armored message rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid armored message: " + ex.getMessage());
        }
        Opened o = withContact(contact, e -> {
            V2Header h = a.header();
            long[] lr = armorOffsets(pad(e), ledger(e).peer, h);
            if (lr[0] != a.offsetLeft() || lr[1] != a.offsetRight()) {
                Logger.tag("security").warn("armored message rejected: offsets disagree with the authenticated header");
                throw new VaultException(VaultException.Kind.CORRUPT, "armored offsets do not match the package");
            }
            return openV2(e, a.v2Package(), keep);
        });
        maybeCompact();
        return o;
    }

    /**
     * Opens a sealed file: checks its tag first (pass 1), journals the opened range, and only then
     * writes plaintext to {@code out} (pass 2), so nothing unauthenticated is ever written and
     * nothing is written before the open is recorded.
     */
    public Opened openFile(String contact, Path sealed, OutputStream out) throws VaultException {
        return openFile(contact, sealed, out, false);
    }

    /** Opens a sealed file; {@code keep} as in {@link #open(String, byte[], boolean)}. */
    public Opened openFile(String contact, Path sealed, OutputStream out, boolean keep) throws VaultException {
        Opened o = withContact(contact, e -> {
            V2Header h;
            try (InputStream in = Files.newInputStream(sealed)) {
                h = V2Header.parse(in.readNBytes(V2Header.LENGTH));
            } catch (MalformedPackageException ex) {
                Logger.tag("security").warn("sealed file rejected: {}", ex.getMessage());
                throw new VaultException(VaultException.Kind.CORRUPT, "not an OTPi v2 file: " + ex.getMessage());
            }
            if (h.padded() && h.length() <= MAX_MESSAGE) {
                return openV2(e, Files.readAllBytes(sealed), keep); // the caller writes the message
            }
            if (Files.size(sealed) != V2Header.LENGTH + h.length() + V2Header.TAG_LENGTH) {
                Logger.tag("security").warn("sealed file rejected: length does not match its header");
                throw new VaultException(VaultException.Kind.CORRUPT, "sealed file is truncated or has trailing data");
            }
            PadLedger l = ledger(e);
            PadLedger.Incoming in = receiver.incoming(e, h.padId(), h.index(), h.padCost());
            try (InputStream s = Files.newInputStream(sealed)) {
                s.skipNBytes(V2Header.LENGTH);
                Otp2Codec.verifyStream(e.file, l.peer, h, s);
            } catch (TagMismatchException ex) {
                throw receiver.forged(e);
            }
            Opened result = in.arrival() == PadLedger.Arrival.REPEAT ? receiver.repeat(h.index())
                    : receiver.accept(e, in, h.index(), h.expired(), h.ack(), keep, null);
            try (InputStream s = Files.newInputStream(sealed)) {
                s.skipNBytes(V2Header.LENGTH);
                Otp2Codec.decryptStream(e.file, l.peer, h, s, out);
            }
            if (!keep && in.arrival() == PadLedger.Arrival.NEW) {
                destroyRange(e, new long[] {in.lo(), in.hi()});
            }
            return result;
        });
        maybeCompact();
        return o;
    }

    /**
     * The client has the message opened at pad index {@code index} (it stored it): destroy the pad
     * kept for it. Idempotent: confirming twice, or after the keep period, is not an error.
     */
    public void confirmOpened(String contact, long index) throws VaultException {
        withContact(contact, e -> {
            PadLedger l = ledger(e);
            VaultState.Kept k = l.keptAt(index);
            if (k == null) {
                if (!l.dead().covers(index, index + 1)) {
                    throw new VaultException(VaultException.Kind.UNKNOWN_MESSAGE, "no message was opened at that index");
                }
                return null;
            }
            release(e, k);
            return null;
        });
    }

    private void release(Entry e, VaultState.Kept k) throws IOException {
        receiver.release(e, k);
    }

    private void expireKept(Entry e) throws IOException {
        receiver.expireKept(e);
    }

    private Opened openV1(Entry e, byte[] pkg, boolean keep) throws IOException, VaultException {
        return receiver.openV1(e, pkg, keep);
    }

    private Opened openV2(Entry e, byte[] pkg, boolean keep) throws IOException, VaultException {
        return receiver.openV2(e, pkg, keep);
    }

    // ------------------------------------------------------------------------------------------
    // Read and write on the device (DESIGN section 8): in OnDevice

    /** Messages read and written on the device's own screen (text that never reaches the laptop). */
    public OnDevice onDevice() {
        return onDevice;
    }

    /** The contact's remote id, or null if there is no such contact. */
    String remoteIdOf(String contact) {
        synchronized (contacts) {
            Entry e = contacts.get(contact);
            return e == null ? null : e.contact.remoteId;
        }
    }

    @FunctionalInterface
    interface ItemOp<T> {
        T run() throws IOException, VaultException;
    }

    <T> T itemOp(ItemOp<T> op) throws VaultException {
        compaction.readLock().lock();
        try {
            ensureOpen();
            return op.run();
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "vault I/O failure: " + e.getMessage(), e);
        } finally {
            compaction.readLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Persistence and destruction (callers hold the contact's lock)

    void persistSend(Entry e) throws IOException {
        recorder.send(e);
    }

    void unblock(Entry e) throws IOException {
        if (Boolean.TRUE.equals(e.ledger.pad.sendBlocked)) {
            recorder.unblock(e);
            e.ledger.pad.sendBlocked = null;
            Logger.tag("security").warn("restored pad {} may send again (acknowledged by the contact, or skipped ahead)",
                    e.ledger.pad.padId);
        }
    }

    /** Journals the whole contact (import, restore, expiry: rare, and never per message). */
    void persistWhole(Entry e) throws IOException {
        recorder.whole(e);
    }

    void raiseMark(Entry e) throws IOException {
        recorder.mark(e);
    }

    void destroyRange(Entry e, long[] abs) throws IOException {
        e.file.destroy(abs[0], abs[1], e.ledger.dead());
    }

    /** Re-destroys what may not have been destroyed before a crash (idempotent, cheap when done). */
    void destroyDead(Entry e) throws IOException {
        e.file.destroyDeadIn(0, e.ledger.pad.size, e.ledger.dead());
    }

    private volatile boolean compactWanted;

    private void maybeCompactLater() {
        compactWanted = recorder.journal().size() > COMPACT_AT;
    }

    private void maybeCompact() {
        if (recorder != null && (compactWanted || recorder.journal().size() > COMPACT_AT)) {
            try {
                compact();
            } catch (IOException e) {
                Logger.error("journal compaction failed (will retry): {}", e.getMessage());
            }
        }
    }

    private void compact() throws IOException {
        compaction.writeLock().lock();
        try {
            compactWanted = false;
            if (closed || recorder.journal().size() <= COMPACT_AT / 8) {
                return;
            }
            Journal fresh = Journal.create(medium.resolve(Journal.FILE), vaultKey, List.of(snapshotRecord()));
            Journal old = recorder.journal();
            recorder.replace(fresh);
            old.close();
        } finally {
            compaction.writeLock().unlock();
        }
    }

    /** The whole state as one journal record (callers hold the compaction write lock, or own the vault). */
    byte[] snapshotRecord() throws IOException {
        VaultState.Record snap = new VaultState.Record();
        snap.op = "snapshot";
        snap.deviceId = deviceId;
        snap.keepOpenedMillis = keepOpenedMillis;
        snap.contacts = new ArrayList<>();
        for (Entry e : contacts.values()) {
            snap.contacts.add(e.ledger == null ? e.contact.copy() : e.ledger.snapshot());
        }
        return JSON.writeValueAsBytes(snap);
    }

    /** Every contact (the migration, which runs before the vault is handed out; backups, under the locks). */
    Map<String, Entry> entries() {
        return contacts;
    }

    ReentrantReadWriteLock compactionLock() {
        return compaction;
    }

    HighWaterMarks marks() {
        return marks;
    }

    VaultRecorder recorder() {
        return recorder;
    }

    Clock clock() {
        return clock;
    }

    /** The encrypted item store (device messages, outgoing packages); callers use {@link #itemOp}. */
    VaultItems items() {
        return items;
    }

    VaultPolicy policy() {
        return policy;
    }

    /**
     * How long a message opened for a client keeps its pad while the client has not confirmed it
     * (the same package can be opened again meanwhile): the person's setting, else the policy's.
     */
    public long keepOpenedMillis() {
        Long k = keepOpenedMillis;
        return k != null ? k : policy.keepOpenedMillis();
    }

    /** Sets {@link #keepOpenedMillis()} for every contact (1 minute to 90 days), durably. */
    public void setKeepOpenedMillis(long millis) throws VaultException {
        if (millis < 60_000 || millis > 90L * 86_400_000) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "keep unconfirmed messages between 1 minute and 90 days");
        }
        itemOp(() -> {
            VaultState.Record r = new VaultState.Record();
            r.op = "settings";
            r.keepOpenedMillis = millis;
            recorder.journal().append(JSON.writeValueAsBytes(r));
            keepOpenedMillis = millis;
            Logger.tag("security").info("unconfirmed opens now keep their pad for {} minutes", millis / 60_000);
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    @FunctionalInterface
    interface ContactOp<T> {
        T apply(Entry e) throws IOException, VaultException, MalformedPackageException;
    }

    <T> T withContact(String contact, ContactOp<T> op) throws VaultException {
        compaction.readLock().lock();
        try {
            ensureOpen();
            Entry e;
            synchronized (contacts) {
                e = contacts.get(contact);
            }
            if (e == null) {
                throw new VaultException(VaultException.Kind.UNKNOWN_CONTACT, "unknown contact");
            }
            e.lock.lock();
            try {
                synchronized (contacts) {
                    if (contacts.get(contact) != e) {
                        throw new VaultException(VaultException.Kind.UNKNOWN_CONTACT, "unknown contact");
                    }
                }
                expireKept(e);
                return op.apply(e);
            } catch (MalformedPackageException ex) {
                Logger.tag("security").warn("package rejected: {}", ex.getMessage());
                throw new VaultException(VaultException.Kind.CORRUPT, "not a valid package: " + ex.getMessage());
            } catch (IOException ex) {
                Logger.error("vault I/O failure: {}", ex.getMessage());
                throw new VaultException(VaultException.Kind.IO, "vault I/O failure: " + ex.getMessage(), ex);
            } finally {
                e.lock.unlock();
            }
        } finally {
            compaction.readLock().unlock();
        }
    }

    private List<Entry> snapshotEntries() {
        synchronized (contacts) {
            return new ArrayList<>(contacts.values());
        }
    }

    void ensureOpen() throws VaultException {
        if (closed) {
            throw new VaultException(VaultException.Kind.LOCKED, "the vault is locked");
        }
    }

    private static VaultState.Pad pad(Entry e) throws VaultException {
        return ledger(e).pad;
    }

    static PadLedger ledger(Entry e) throws VaultException {
        if (e.ledger == null) {
            throw new VaultException(VaultException.Kind.NO_PAD, "this contact has no pad");
        }
        return e.ledger;
    }

    static byte[] padId(Entry e) {
        return HexFormat.of().parseHex(e.ledger.pad.padId);
    }

    PadStats stats(Entry e) {
        PadLedger l = e.ledger;
        VaultState.Pad p = l.pad;
        return new PadStats(e.name(), e.contact.remoteId, p.padId, p.size, p.source, p.kind,
                l.own == Direction.FORWARD ? 0 : 1, l.sendCapacity(), p.sendUsed, l.geometry.capacity(l.peer),
                p.receiveFrontier, p.lowThreshold, p.expired, p.expiredBy, Boolean.TRUE.equals(p.sendBlocked),
                l.keptCount(), Boolean.TRUE.equals(e.contact.readOnDevice));
    }

    private String armor(PadLedger l, V2Header h, byte[] v2) {
        long[] lr = armorOffsets(l.pad, l.own, h);
        try {
            return new ArmoredMessage(lr[0], lr[1], v2).format();
        } catch (MalformedPackageException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The CDOTP offsets (left = Person 0's next index, right = Person 1's) before a message from
     * a sender in direction {@code sender}: the sender's is the index, the other is derived from
     * the authenticated ack.
     */
    private static long[] armorOffsets(VaultState.Pad p, Direction sender, V2Header h) {
        return sender == Direction.FORWARD
                ? new long[] {h.index(), p.size - 1 - h.ack()}
                : new long[] {PadGeometry.PAD_ID_LENGTH + h.ack(), h.index()};
    }

    byte[] chunkKey(VaultState.Pad p) {
        return Hkdf.derive(vaultKey, HexFormat.of().parseHex(p.fileSalt), "otpi pad v2", 32);
    }

    Path padDir() {
        return padDir;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new SecureRandom().nextBytes(b);
        return b;
    }

    private static void checkId(String id) throws VaultException {
        if (id == null || id.isEmpty() || id.length() > 128 || id.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "ids must be 1-128 printable characters");
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on lock: nothing more to do
            }
        }
    }

    /** Used by tests to feed an in-memory pad. */
    static InputStream bytes(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    @Override
    public String toString() {
        return "Vault[" + (closed ? "locked" : "unlocked") + "]";
    }
}
