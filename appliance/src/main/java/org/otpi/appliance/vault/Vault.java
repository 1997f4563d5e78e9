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
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.pad.Direction;
import org.otpi.appliance.pad.Otc1Codec;
import org.otpi.appliance.pad.Otp2Codec;
import org.otpi.appliance.pad.PadFile;
import org.otpi.appliance.pad.PadGeometry;
import org.otpi.appliance.pad.RangeSet;
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
 * <p>Pad laws enforced here: (1) a seal's cursor advance is journaled and fsync'd, and the
 * high-water mark on the SD card raised, before the package is returned; (3) a pad belongs to one
 * contact, and a pad id can be imported once; (4) sent pad is destroyed on the medium before the
 * package is returned, received pad right after a successful authenticated open; (6) replays,
 * skips, forgeries, rollbacks and low pad go to the security log (tag {@code security}).
 *
 * <p>Thread-safety: safe for concurrent use. Operations on one contact are serialized by that
 * contact's lock; different contacts proceed in parallel; the journal serializes its appends.
 */
public final class Vault implements AutoCloseable {
    /** Smallest pad accepted: the id plus room for a few messages each way. */
    public static final long MIN_PAD_SIZE = 1024;
    /** Largest in-memory message; larger payloads go through the file operations. */
    public static final int MAX_MESSAGE = 16 * 1024 * 1024;
    private static final long COMPACT_AT = 8L * 1024 * 1024;
    private static final long NONCE_BLOCK = 4096;
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private final Path medium;
    private final Path padDir;
    private final VaultPolicy policy;
    private final DeviceSecret secret;
    private final HighWaterMarks marks;
    private final String deviceId;
    private final ReentrantReadWriteLock compaction = new ReentrantReadWriteLock();
    private final Map<String, Entry> contacts = new TreeMap<>();
    private byte[] vaultKey;
    private Journal journal;
    private MediumLock mediumLock;
    private volatile boolean closed;

    /** A contact with its pad, its file and its lock. */
    private static final class Entry {
        final ReentrantLock lock = new ReentrantLock();
        VaultState.Contact state;
        PadFile file;
        long nonceNext;

        Entry(VaultState.Contact state) {
            this.state = state;
        }
    }

    private Vault(Path medium, VaultPolicy policy, DeviceSecret secret, HighWaterMarks marks, String deviceId,
                  byte[] vaultKey) {
        this.medium = medium;
        this.padDir = medium.resolve("pads");
        this.policy = policy;
        this.secret = secret;
        this.marks = marks;
        this.deviceId = deviceId;
        this.vaultKey = vaultKey;
    }

    // ------------------------------------------------------------------------------------------
    // Create, unlock, lock

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
                DeviceSecret secret = DeviceSecret.loadOrCreate(stateDir);
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
                VaultHeader.wrap(key, vaultId, pin, secret, kdf).write(medium);
                // The wrong-PIN count is the device's (SD card), not the medium's. A new vault clears
                // it only once it is exhausted (the key that was attacked is destroyed by then, and
                // the device must not stay bricked). Clearing it always would let anyone at the
                // screen reset the count against a stick by swapping in an empty one and running
                // first-run setup, then swapping back: unlimited guesses.
                if (new PinGuard(stateDir, policy, java.time.Clock.systemUTC()).exhausted()) {
                    Files.deleteIfExists(stateDir.resolve(PinGuard.FILE));
                }
                Vault v = new Vault(medium, policy, secret, new HighWaterMarks(stateDir, secret), deviceId, key);
                v.journal = j;
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
            return underMediumLock(medium, () -> unlockLocked(medium, stateDir, pin, policy, clock));
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot read the vault: " + e.getMessage(), e);
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

    private static Vault unlockLocked(Path medium, Path stateDir, char[] pin, VaultPolicy policy, Clock clock)
            throws VaultException {
        try {
            PinGuard guard = new PinGuard(stateDir, policy, clock);
            if (guard.exhausted()) {
                throw new VaultException(VaultException.Kind.WIPED, "the vault key was destroyed after too many wrong PINs");
            }
            long wait = guard.waitMillis();
            if (wait > 0) {
                Logger.tag("security").warn("PIN attempt refused: rate limited for {} ms", wait);
                throw new VaultException(VaultException.Kind.RATE_LIMITED,
                        "too many wrong PINs: try again in " + (wait + 999) / 1000 + " s", wait, null);
            }
            VaultHeader header = VaultHeader.read(medium);
            DeviceSecret secret;
            try {
                secret = DeviceSecret.load(stateDir);
            } catch (IOException e) {
                throw new VaultException(VaultException.Kind.NO_VAULT, "this device's secret is missing", e);
            }
            guard.beginAttempt();
            byte[] key = header.unwrap(pin, secret);
            if (key == null) {
                Logger.tag("security").warn("wrong PIN ({} in a row)", guard.failures());
                if (guard.exhausted()) {
                    VaultHeader.destroyWrappedKey(medium);
                    Logger.tag("security").error("vault key destroyed after {} wrong PINs", guard.failures());
                    secret.close();
                    throw new VaultException(VaultException.Kind.WIPED, "wrong PIN: the vault key has been destroyed");
                }
                secret.close();
                throw new VaultException(VaultException.Kind.WRONG_PIN, "wrong PIN (or this is not this device's vault)",
                        policy.delayAfter(guard.failures()), null);
            }
            guard.succeeded();
            Vault v = load(medium, policy, secret, new HighWaterMarks(stateDir, secret), key);
            Logger.tag("security").info("vault unlocked");
            return v;
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot read the vault: " + e.getMessage(), e);
        }
    }

    private static Vault load(Path medium, VaultPolicy policy, DeviceSecret secret, HighWaterMarks marks,
                              byte[] key) throws IOException, VaultException {
        List<byte[]> records = new ArrayList<>();
        Journal j = Journal.open(medium.resolve(Journal.FILE), key, records);
        String deviceId = null;
        Map<String, VaultState.Contact> state = new TreeMap<>();
        for (byte[] r : records) {
            VaultState.Record rec = JSON.readValue(r, VaultState.Record.class);
            switch (rec.op) {
                case "device" -> deviceId = rec.deviceId;
                case "set" -> state.put(rec.contact.name, rec.contact);
                case "del" -> state.remove(rec.name);
                case "snapshot" -> {
                    deviceId = rec.deviceId;
                    state.clear();
                    rec.contacts.forEach(c -> state.put(c.name, c));
                }
                default -> throw new IOException("unknown journal record");
            }
            Arrays.fill(r, (byte) 0);
        }
        if (deviceId == null) {
            j.close();
            throw new VaultException(VaultException.Kind.CORRUPT, "vault journal has no device record");
        }
        Vault v = new Vault(medium, policy, secret, marks, deviceId, key);
        v.journal = j;
        for (VaultState.Contact c : state.values()) {
            Entry e = new Entry(c);
            v.contacts.put(c.name, e);
            if (c.pad != null) {
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
        VaultState.Pad p = e.state.pad;
        // Restart the chunk write counter above everything reserved before: never reuse a nonce.
        e.nonceNext = p.nonceReserved + 1;
        e.file = PadFile.open(padDir.resolve(p.file), HexFormat.of().parseHex(p.file), chunkKey(p), p.size,
                p.chunkSize, () -> nextNonce(e));
        // Rollback check: a medium older than this device's high-water mark (a restored copy) must
        // not let us reuse pad or accept again what we opened.
        HighWaterMarks.Mark m = marks.get(HexFormat.of().parseHex(p.padId));
        if (m.sendUsed() > p.sendUsed || m.receiveFrontier() > p.receiveFrontier) {
            Logger.tag("security").warn("contact pad {} is behind this device's high-water mark: medium rolled back;"
                    + " skipping to the mark", p.padId);
            raiseToMarks(e, m);
            persist(e);
        }
        destroyDead(e, true);
    }

    private void removeOrphanPadFiles() throws IOException {
        if (!Files.isDirectory(padDir)) {
            return;
        }
        List<String> known = contacts.values().stream().filter(e -> e.state.pad != null).map(e -> e.state.pad.file).toList();
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

    private static void overwriteAndDelete(Path f) throws IOException {
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

    /**
     * Destroys the wrapped vault key on {@code medium} (panic wipe): irreversible; the pads can
     * no longer be decrypted by anyone. Works whether or not the vault is unlocked.
     */
    public static void destroyKey(Path medium) throws VaultException {
        try {
            VaultHeader.destroyWrappedKey(medium);
            Logger.tag("security").error("PANIC: the wrapped vault key was destroyed");
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot destroy the vault key: " + e.getMessage(), e);
        }
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
            closeQuietly(journal);
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
                    if (e.state.pad != null) {
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
     * again), its cursors start at the high-water marks.
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
        checkName(contact);
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
            VaultState.Pad p = new VaultState.Pad();
            byte[] fileId = random(16);
            p.file = HexFormat.of().formatHex(fileId);
            p.fileSalt = HexFormat.of().formatHex(random(16));
            p.size = size;
            p.chunkSize = PadFile.DEFAULT_CHUNK_SIZE;
            p.source = source;
            p.kind = kind == null ? "message" : kind;
            p.split = PadGeometry.withDefaultSplit(size).split();
            p.created = System.currentTimeMillis();
            p.nonceReserved = (size + p.chunkSize - 1) / p.chunkSize + NONCE_BLOCK;
            VaultState.Contact c = new VaultState.Contact();
            c.name = contact;
            c.remoteId = remoteId;
            c.pad = p;
            Entry e = new Entry(c);
            e.nonceNext = 1;
            Files.createDirectories(padDir);
            PadFile.Writer w = PadFile.begin(padDir.resolve(p.file), fileId, chunkKey(p), size, p.chunkSize,
                    () -> nextNonce(e), progress);
            return new NewPad(e, w);
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.IO, "cannot start a pad: " + ex.getMessage(), ex);
        } finally {
            compaction.readLock().unlock();
        }
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
                VaultState.Pad p = entry.state.pad;
                byte[] padId = file.padId();
                p.padId = HexFormat.of().formatHex(padId);
                p.lowThreshold = new PadGeometry(p.size, p.split).capacity(direction(entry.state))
                        * policy.lowPadPercent() / 100;
                String contact = entry.state.name;
                synchronized (contacts) {
                    for (Entry other : contacts.values()) {
                        if (other.state.pad != null && p.padId.equals(other.state.pad.padId)) {
                            file.wipeAndDelete();
                            throw new VaultException(VaultException.Kind.CONTACT_EXISTS,
                                    "this pad is already used with another contact (one pad, one contact)");
                        }
                    }
                    if (contacts.containsKey(contact)) {
                        file.wipeAndDelete();
                        throw new VaultException(VaultException.Kind.CONTACT_EXISTS, "contact already exists: " + contact);
                    }
                    HighWaterMarks.Mark m = marks.get(padId);
                    if (m.sendUsed() > 0 || m.receiveFrontier() > 0) {
                        Logger.tag("security").warn("pad {} was used on this device before: cursors start at its"
                                + " high-water mark", p.padId);
                        raiseToMarks(entry, m);
                    }
                    entry.lock.lock();
                    try {
                        persist(entry);
                        contacts.put(contact, entry);
                        destroyDead(entry, true);
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
            VaultState.Record rec = new VaultState.Record();
            rec.op = "del";
            rec.name = contact;
            journal.append(JSON.writeValueAsBytes(rec));
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
            persist(e);
            Logger.tag("security").info("pad {} retired locally", p.padId);
            return stats(e);
        });
    }

    /**
     * The whole pad of {@code contact} as plaintext (used parts as zeros), for the in-person
     * exchange only, which seals it under the transfer code as it reads. The stream holds the
     * contact's lock until it is closed.
     */
    public InputStream openPadForTransfer(String contact, org.otpi.appliance.pad.InsecurePadAccess token)
            throws VaultException {
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
        InputStream plain = held.file.openPlain(dead(held), token);
        Logger.tag("security").info("pad {} opened for an in-person transfer", held.state.pad.padId);
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

    /** Bytes of one tunnel key slot (the PSK note's layout). */
    public static final int SLOT_LENGTH = 120;

    /** Number of tunnel key slots in a site-link pad. */
    public long siteLinkSlots(String contact) throws VaultException {
        return withContact(contact, e -> (siteLinkPad(e).size - PadGeometry.PAD_ID_LENGTH) / SLOT_LENGTH);
    }

    /**
     * Copies tunnel key slot {@code index} of a site-link pad into {@code dst} (destroyed halves
     * read as zeros). The tunnel keeps keys in memory while it uses them: that is why this needs
     * the token. Never works on a message pad (law 3).
     */
    public void readSiteLinkSlot(String contact, long index, byte[] dst, org.otpi.appliance.pad.InsecurePadAccess token)
            throws VaultException {
        java.util.Objects.requireNonNull(token, "tunnel keys need an InsecurePadAccess token");
        withContact(contact, e -> {
            VaultState.Pad p = siteLinkPad(e);
            long off = PadGeometry.PAD_ID_LENGTH + index * SLOT_LENGTH;
            if (index < 0 || off + SLOT_LENGTH > p.size) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "no such key slot");
            }
            try (InputStream in = e.file.openPlain(RangeSet.of(p.opened), token, off)) {
                if (in.readNBytes(dst, 0, SLOT_LENGTH) != SLOT_LENGTH) {
                    throw new IOException("key slot truncated");
                }
            }
            return null;
        });
    }

    /** Destroys the absolute range [lo, hi) of a site-link pad (used key halves), durably. */
    public void destroySiteLinkRange(String contact, long lo, long hi) throws VaultException {
        withContact(contact, e -> {
            VaultState.Pad p = siteLinkPad(e);
            if (lo < PadGeometry.PAD_ID_LENGTH || hi > p.size || lo >= hi) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "range outside the key slots");
            }
            RangeSet destroyed = RangeSet.of(p.opened);
            if (destroyed.covers(lo, hi)) {
                return null;
            }
            destroyed.add(lo, hi);
            p.opened = new ArrayList<>(destroyed.toList());
            persist(e);
            e.file.destroy(lo, hi, destroyed);
            return null;
        });
    }

    private static VaultState.Pad siteLinkPad(Entry e) throws VaultException {
        VaultState.Pad p = pad(e);
        if (!"site-link".equals(p.kind)) {
            throw new VaultException(VaultException.Kind.WRONG_PAD, "not a site-link pad (one pad, one use)");
        }
        return p;
    }

    // ------------------------------------------------------------------------------------------
    // Backups

    /** What a restore did. */
    public record RestoreReport(List<String> restored, List<String> skipped) {
    }

    /**
     * Writes an encrypted backup of every pad (used parts as zeros) and its state to {@code out},
     * sealed with {@code passphrase} (Argon2id + ChaCha20-Poly1305).
     */
    public void exportBackup(OutputStream out, char[] passphrase, Argon2id kdf) throws VaultException {
        if (passphrase == null || passphrase.length < 8) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "the backup passphrase must have at least 8 characters");
        }
        compaction.writeLock().lock(); // a consistent picture of every contact
        try {
            ensureOpen();
            VaultState.Record manifest = new VaultState.Record();
            manifest.op = "snapshot";
            manifest.deviceId = deviceId;
            manifest.contacts = new ArrayList<>();
            List<Entry> entries = new ArrayList<>();
            for (Entry e : contacts.values()) {
                if (e.state.pad != null) {
                    manifest.contacts.add(e.state.copy());
                    entries.add(e);
                }
            }
            try (OutputStream sealed = BackupStreams.sealing(out, passphrase, kdf)) {
                byte[] m = JSON.writeValueAsBytes(manifest);
                sealed.write(java.nio.ByteBuffer.allocate(4).putInt(m.length).array());
                sealed.write(m);
                for (Entry e : entries) {
                    // Pad bytes leave the pad store here, straight into the sealing stream.
                    e.file.exportTo(sealed, dead(e), org.otpi.appliance.pad.InsecurePadAccess.iUnderstandThisMovesPadBytes());
                }
            }
            Logger.tag("security").info("encrypted backup exported ({} pads)", entries.size());
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.IO, "backup failed: " + ex.getMessage(), ex);
        } finally {
            compaction.writeLock().unlock();
        }
    }

    /**
     * Restores pads from an encrypted backup. Contacts that already exist here (by name or by
     * pad id) are skipped. Cursors never go below this device's high-water marks: a backup
     * cannot make this device reuse pad or accept again what it opened.
     */
    public RestoreReport restoreBackup(InputStream in, char[] passphrase) throws VaultException {
        compaction.readLock().lock();
        List<String> restored = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (InputStream plain = BackupStreams.opening(in, passphrase)) {
            ensureOpen();
            byte[] len = plain.readNBytes(4);
            if (len.length != 4) {
                throw new IOException("backup truncated");
            }
            int n = java.nio.ByteBuffer.wrap(len).getInt();
            if (n < 0 || n > Journal.MAX_RECORD) {
                throw new IOException("backup manifest too large");
            }
            byte[] m = plain.readNBytes(n);
            VaultState.Record manifest = JSON.readValue(m, VaultState.Record.class);
            if (!deviceId.equals(manifest.deviceId)) {
                throw new VaultException(VaultException.Kind.BAD_INPUT,
                        "this backup belongs to another device id; restoring it would swap Person 0 and 1");
            }
            for (VaultState.Contact c : manifest.contacts) {
                InputStream padBytes = new BoundedInputStream(plain, c.pad.size);
                boolean exists;
                synchronized (contacts) {
                    exists = contacts.containsKey(c.name) || contacts.values().stream()
                            .anyMatch(e -> e.state.pad != null && e.state.pad.padId.equals(c.pad.padId));
                }
                if (exists) {
                    padBytes.skipNBytes(c.pad.size);
                    skipped.add(c.name);
                    continue;
                }
                restoreOne(c, padBytes);
                restored.add(c.name);
            }
            if (plain.read() != -1) {
                throw new IOException("backup has data after its last pad");
            }
            Logger.tag("security").info("backup restored: {} pads, {} skipped", restored.size(), skipped.size());
            return new RestoreReport(restored, skipped);
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.CORRUPT, "restore failed: " + ex.getMessage(), ex);
        } finally {
            compaction.readLock().unlock();
        }
    }

    private void restoreOne(VaultState.Contact c, InputStream padBytes) throws IOException {
        VaultState.Pad p = c.pad;
        byte[] fileId = random(16);
        p.file = HexFormat.of().formatHex(fileId);
        p.fileSalt = HexFormat.of().formatHex(random(16));
        p.chunkSize = PadFile.DEFAULT_CHUNK_SIZE;
        p.nonceReserved = (p.size + p.chunkSize - 1) / p.chunkSize + NONCE_BLOCK;
        p.source = p.source == null ? "restored" : p.source;
        Entry e = new Entry(c);
        e.nonceNext = 1;
        Files.createDirectories(padDir);
        e.file = PadFile.create(padDir.resolve(p.file), fileId, chunkKey(p), p.size, p.chunkSize,
                () -> nextNonce(e), padBytes, null);
        if (!HexFormat.of().formatHex(e.file.padId()).equals(p.padId)) {
            e.file.wipeAndDelete();
            throw new IOException("backup pad does not match its id");
        }
        HighWaterMarks.Mark mark = marks.get(HexFormat.of().parseHex(p.padId));
        if (mark.sendUsed() > p.sendUsed || mark.receiveFrontier() > p.receiveFrontier) {
            Logger.tag("security").warn("restored pad {} is older than this device's high-water mark: skipping ahead",
                    p.padId);
        }
        raiseToMarks(e, mark);
        e.lock.lock();
        try {
            synchronized (contacts) {
                persist(e);
                contacts.put(c.name, e);
            }
            destroyDead(e, true);
        } finally {
            e.lock.unlock();
        }
    }

    /** Reads at most {@code limit} bytes of an underlying stream without closing it. */
    private static final class BoundedInputStream extends InputStream {
        private final InputStream in;
        private long left;

        BoundedInputStream(InputStream in, long limit) {
            this.in = in;
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r > 0) {
                left -= r;
            }
            return r;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Seal and open

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
            VaultState.Pad p = pad(e);
            long cost = sealCost(message.length, o);
            long from = reserve(e, cost);
            PadGeometry g = geometry(p);
            Direction own = direction(e.state);
            long index = g.indexOf(own, from);
            byte[] out;
            switch (o.format()) {
                case OTC_V1 -> out = Otc1Codec.seal(e.file, own, index, message);
                case V2, ARMOR -> {
                    byte[] body = Otp2Codec.frame(message, o.padLength());
                    int flags = (o.padLength() ? V2Header.FLAG_PADDED : 0) | (o.expire() ? V2Header.FLAG_EXPIRED : 0);
                    V2Header h = new V2Header(flags, HexFormat.of().parseHex(p.padId), index, p.receiveFrontier,
                            body.length);
                    out = Otp2Codec.seal(e.file, own, h, body);
                    Arrays.fill(body, (byte) 0);
                    if (o.format() == Format.ARMOR) {
                        out = armor(e, h, out).getBytes(StandardCharsets.UTF_8);
                    }
                }
                default -> throw new IllegalStateException();
            }
            destroyRange(e, g.absoluteRange(own, from, cost));
            if (o.expire()) {
                p.expired = true;
                p.expiredBy = "local";
                persist(e);
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

    /**
     * Opens a v1 or v2 package from {@code contact}. Replays (pad already opened here) and forgeries
     * are rejected and logged; skips and late arrivals are accepted with a warning.
     */
    public Opened open(String contact, byte[] pkg) throws VaultException {
        Opened o = withContact(contact, e -> V2Header.looksLikeV2(pkg) ? openV2(e, pkg) : openV1(e, pkg));
        maybeCompact();
        return o;
    }

    /** Opens an armored text message from {@code contact}. */
    public Opened openArmored(String contact, String text) throws VaultException {
        ArmoredMessage a;
        try {
            a = ArmoredMessage.parse(text);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("armored message rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid armored message: " + ex.getMessage());
        }
        Opened o = withContact(contact, e -> {
            V2Header h = a.header();
            long[] lr = armorOffsets(pad(e), peerDirection(e), h);
            if (lr[0] != a.offsetLeft() || lr[1] != a.offsetRight()) {
                Logger.tag("security").warn("armored message rejected: offsets disagree with the authenticated header");
                throw new VaultException(VaultException.Kind.CORRUPT, "armored offsets do not match the package");
            }
            return openV2(e, a.v2Package());
        });
        maybeCompact();
        return o;
    }

    /** Seals {@code length} bytes from {@code in} as one v2 package written to {@code out}. */
    public Sealed sealFile(String contact, InputStream in, long length, OutputStream out) throws VaultException {
        if (length < 0 || length > V2Header.MAX_LENGTH) {
            throw new VaultException(VaultException.Kind.TOO_LARGE, "file too large for one package (4 GiB)");
        }
        return withContact(contact, e -> {
            VaultState.Pad p = pad(e);
            long cost = length + V2Header.KEY_LENGTH;
            long from = reserve(e, cost);
            PadGeometry g = geometry(p);
            Direction own = direction(e.state);
            long index = g.indexOf(own, from);
            V2Header h = new V2Header(0, HexFormat.of().parseHex(p.padId), index, p.receiveFrontier, length);
            try {
                Otp2Codec.sealStream(e.file, own, h, in, out);
            } finally {
                destroyRange(e, g.absoluteRange(own, from, cost));
            }
            PadStats st = stats(e);
            return new Sealed(null, index, cost, st.sendRemaining(), st.low());
        });
    }

    /**
     * Opens a sealed file: checks its tag first (pass 1) and only then writes plaintext to
     * {@code out} (pass 2), so nothing unauthenticated is ever written.
     */
    public Opened openFile(String contact, Path sealed, OutputStream out) throws VaultException {
        return withContact(contact, e -> {
            VaultState.Pad p = pad(e);
            V2Header h;
            try (InputStream in = Files.newInputStream(sealed)) {
                h = V2Header.parse(in.readNBytes(V2Header.LENGTH));
            } catch (MalformedPackageException ex) {
                Logger.tag("security").warn("sealed file rejected: {}", ex.getMessage());
                throw new VaultException(VaultException.Kind.CORRUPT, "not an OTPi v2 file: " + ex.getMessage());
            }
            if (h.padded() && h.length() <= MAX_MESSAGE) {
                return openV2(e, Files.readAllBytes(sealed));
            }
            if (Files.size(sealed) != V2Header.LENGTH + h.length() + V2Header.TAG_LENGTH) {
                Logger.tag("security").warn("sealed file rejected: length does not match its header");
                throw new VaultException(VaultException.Kind.CORRUPT, "sealed file is truncated or has trailing data");
            }
            long[] range = checkIncoming(e, h.padId(), h.index(), h.padCost());
            Direction peer = direction(e.state) == Direction.FORWARD ? Direction.BACKWARD : Direction.FORWARD;
            try (InputStream in = Files.newInputStream(sealed)) {
                in.skipNBytes(V2Header.LENGTH);
                Otp2Codec.verifyStream(e.file, peer, h, in);
            } catch (TagMismatchException ex) {
                throw forged(e);
            }
            try (InputStream in = Files.newInputStream(sealed)) {
                in.skipNBytes(V2Header.LENGTH);
                Otp2Codec.decryptStream(e.file, peer, h, in, out);
            }
            return accept(e, range, h.index(), h.expired(), null);
        });
    }

    private Opened openV1(Entry e, byte[] pkg) throws IOException, VaultException {
        OtcV1Package p;
        try {
            p = OtcV1Package.parse(pkg);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("package rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid package: " + ex.getMessage());
        }
        long[] range = checkIncoming(e, null, p.index(), OtcV1Package.padCost(p.messageLength()));
        Direction peer = peerDirection(e);
        byte[] m;
        try {
            m = Otc1Codec.open(e.file, peer, p);
        } catch (TagMismatchException ex) {
            throw forged(e);
        }
        return accept(e, range, p.index(), false, m);
    }

    private Opened openV2(Entry e, byte[] pkg) throws IOException, VaultException {
        V2Header h;
        try {
            h = V2Header.parse(pkg);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("package rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid package: " + ex.getMessage());
        }
        if (pkg.length != V2Header.LENGTH + h.length() + V2Header.TAG_LENGTH) {
            Logger.tag("security").warn("package rejected: length does not match its header");
            throw new VaultException(VaultException.Kind.CORRUPT, "package is truncated or has trailing data");
        }
        long[] range = checkIncoming(e, h.padId(), h.index(), h.padCost());
        byte[] m;
        try {
            m = Otp2Codec.open(e.file, peerDirection(e), h, pkg);
        } catch (TagMismatchException ex) {
            throw forged(e);
        }
        return accept(e, range, h.index(), h.expired(), m);
    }

    /** Validates where an incoming package lies; returns {stream from, cost, lo, hi}. */
    private long[] checkIncoming(Entry e, byte[] padId, long index, long cost) throws VaultException {
        VaultState.Pad p = pad(e);
        if ("site-link".equals(p.kind)) {
            throw new VaultException(VaultException.Kind.WRONG_PAD, "a site-link pad carries tunnel keys, not messages");
        }
        if (padId != null && !HexFormat.of().formatHex(padId).equals(p.padId)) {
            Logger.tag("security").warn("package for another pad rejected (contact's pad {})", p.padId);
            throw new VaultException(VaultException.Kind.WRONG_PAD, "package was not made with this contact's pad");
        }
        PadGeometry g = geometry(p);
        Direction peer = peerDirection(e);
        long from = g.streamOffsetOf(peer, index);
        if (from < 0 || !g.fits(peer, from, cost)) {
            Logger.tag("security").warn("package rejected: index {} outside the sender's half of pad {}", index, p.padId);
            throw new VaultException(VaultException.Kind.CORRUPT, "package index outside the sender's half of the pad");
        }
        long[] abs = g.absoluteRange(peer, from, cost);
        if (RangeSet.of(p.opened).overlaps(abs[0], abs[1])) {
            Logger.tag("security").warn("REPLAY: package at index {} uses pad already opened (pad {})", index, p.padId);
            throw new VaultException(VaultException.Kind.REPLAY, "replay: this pad was already used by an earlier message");
        }
        return new long[] {from, cost, abs[0], abs[1]};
    }

    private VaultException forged(Entry e) {
        Logger.tag("security").warn("FORGERY: a package failed authentication (pad {})", e.state.pad.padId);
        return new VaultException(VaultException.Kind.FORGED, "package failed authentication (forged or corrupted)");
    }

    private Opened accept(Entry e, long[] range, long index, boolean peerExpired, byte[] message) throws IOException {
        VaultState.Pad p = e.state.pad;
        List<Opened.Warning> warnings = new ArrayList<>();
        long from = range[0];
        long end = range[0] + range[1];
        if (from > p.receiveFrontier) {
            warnings.add(Opened.Warning.SKIP);
            Logger.tag("security").warn("SKIP: {} bytes of the peer's pad never seen before index {} (pad {})",
                    from - p.receiveFrontier, index, p.padId);
        } else if (end <= p.receiveFrontier) {
            warnings.add(Opened.Warning.LATE);
            Logger.tag("security").info("late package at index {} (pad {})", index, p.padId);
        }
        RangeSet opened = RangeSet.of(p.opened);
        opened.add(range[2], range[3]);
        p.opened = new ArrayList<>(opened.toList());
        p.receiveFrontier = Math.max(p.receiveFrontier, end);
        if (peerExpired && !p.expired) {
            p.expired = true;
            p.expiredBy = "peer";
            warnings.add(Opened.Warning.EXPIRED_BY_PEER);
            Logger.tag("security").warn("pad {} retired by the peer (authenticated Expired status)", p.padId);
        }
        persist(e);
        destroyRange(e, new long[] {range[2], range[3]});
        return new Opened(message, List.copyOf(warnings), index);
    }

    // ------------------------------------------------------------------------------------------
    // Cursor, destruction, persistence (callers hold the contact's lock)

    /**
     * Advances our cursor by {@code cost} and makes it durable (journal fsync, then the SD card's
     * high-water mark) before returning the stream offset where the reserved range starts.
     */
    private long reserve(Entry e, long cost) throws IOException, VaultException {
        VaultState.Pad p = pad(e);
        if ("site-link".equals(p.kind)) {
            throw new VaultException(VaultException.Kind.WRONG_PAD, "a site-link pad carries tunnel keys, not messages");
        }
        if (p.expired) {
            throw new VaultException(VaultException.Kind.PAD_EXPIRED, "this pad is retired"
                    + ("peer".equals(p.expiredBy) ? " (the contact expired it)" : ""));
        }
        long capacity = geometry(p).capacity(direction(e.state));
        if (cost > capacity - p.sendUsed) {
            Logger.tag("security").warn("pad exhausted: {} bytes needed, {} left (pad {})", cost, capacity - p.sendUsed, p.padId);
            throw new VaultException(VaultException.Kind.PAD_EXHAUSTED,
                    "not enough pad left: " + (capacity - p.sendUsed) + " bytes, " + cost + " needed");
        }
        long from = p.sendUsed;
        p.sendUsed += cost;
        persist(e); // law 1: durable before any ciphertext leaves
        return from;
    }

    private long nextNonce(Entry e) throws IOException {
        VaultState.Pad p = e.state.pad;
        if (e.nonceNext > p.nonceReserved) {
            p.nonceReserved = e.nonceNext + NONCE_BLOCK;
            if (contactsContains(e)) {
                persist(e);
            }
        }
        return e.nonceNext++;
    }

    private boolean contactsContains(Entry e) {
        synchronized (contacts) {
            return contacts.get(e.state.name) == e;
        }
    }

    private void persist(Entry e) throws IOException {
        VaultState.Record rec = new VaultState.Record();
        rec.op = "set";
        rec.contact = e.state;
        journal.append(JSON.writeValueAsBytes(rec));
        VaultState.Pad p = e.state.pad;
        if (p != null && p.padId != null) {
            marks.raise(HexFormat.of().parseHex(p.padId), p.sendUsed, p.receiveFrontier);
        }
    }

    private void raiseToMarks(Entry e, HighWaterMarks.Mark m) {
        VaultState.Pad p = e.state.pad;
        PadGeometry g = geometry(p);
        p.sendUsed = Math.min(g.capacity(direction(e.state)), Math.max(p.sendUsed, m.sendUsed()));
        if (m.receiveFrontier() > p.receiveFrontier) {
            Direction peer = peerDirection(e);
            long upTo = Math.min(g.capacity(peer), m.receiveFrontier());
            if (upTo > 0) {
                long[] abs = g.absoluteRange(peer, 0, upTo);
                RangeSet opened = RangeSet.of(p.opened);
                opened.add(abs[0], abs[1]);
                p.opened = new ArrayList<>(opened.toList());
            }
            p.receiveFrontier = upTo;
        }
    }

    /** Every pad byte that must never be read again: our used part and everything opened. */
    private RangeSet dead(Entry e) {
        VaultState.Pad p = e.state.pad;
        RangeSet dead = RangeSet.of(p.opened);
        if (p.sendUsed > 0) {
            long[] own = geometry(p).absoluteRange(direction(e.state), 0, p.sendUsed);
            dead.add(own[0], own[1]);
        }
        return dead;
    }

    private void destroyRange(Entry e, long[] abs) throws IOException {
        e.file.destroy(abs[0], abs[1], dead(e));
    }

    /** Re-destroys what may not have been destroyed before a crash (idempotent, cheap when done). */
    private void destroyDead(Entry e, boolean all) throws IOException {
        RangeSet dead = dead(e);
        for (long[] r : dead.toList()) {
            e.file.destroy(r[0], r[1], dead);
        }
    }

    private void maybeCompact() {
        if (journal != null && journal.size() > COMPACT_AT) {
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
            if (closed || journal.size() <= COMPACT_AT / 8) {
                return;
            }
            VaultState.Record snap = new VaultState.Record();
            snap.op = "snapshot";
            snap.deviceId = deviceId;
            snap.contacts = new ArrayList<>();
            for (Entry e : contacts.values()) {
                snap.contacts.add(e.state.copy());
            }
            Journal fresh = Journal.create(medium.resolve(Journal.FILE), vaultKey, List.of(JSON.writeValueAsBytes(snap)));
            Journal old = journal;
            journal = fresh;
            old.close();
        } finally {
            compaction.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    @FunctionalInterface
    private interface ContactOp<T> {
        T apply(Entry e) throws IOException, VaultException, MalformedPackageException;
    }

    private <T> T withContact(String contact, ContactOp<T> op) throws VaultException {
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

    private void ensureOpen() throws VaultException {
        if (closed) {
            throw new VaultException(VaultException.Kind.LOCKED, "the vault is locked");
        }
    }

    private static VaultState.Pad pad(Entry e) throws VaultException {
        if (e.state.pad == null) {
            throw new VaultException(VaultException.Kind.NO_PAD, "this contact has no pad");
        }
        return e.state.pad;
    }

    private PadStats stats(Entry e) {
        VaultState.Pad p = e.state.pad;
        PadGeometry g = geometry(p);
        Direction own = direction(e.state);
        Direction peer = peerDirection(e);
        return new PadStats(e.state.name, e.state.remoteId, p.padId, p.size, p.source, p.kind,
                own == Direction.FORWARD ? 0 : 1, g.capacity(own), p.sendUsed, g.capacity(peer),
                p.receiveFrontier, p.lowThreshold, p.expired, p.expiredBy);
    }

    private String armor(Entry e, V2Header h, byte[] v2) {
        long[] lr = armorOffsets(e.state.pad, direction(e.state), h);
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

    private static PadGeometry geometry(VaultState.Pad p) {
        return new PadGeometry(p.size, p.split);
    }

    private Direction direction(VaultState.Contact c) {
        return PadGeometry.directionOf(deviceId, c.remoteId);
    }

    private Direction peerDirection(Entry e) {
        return direction(e.state) == Direction.FORWARD ? Direction.BACKWARD : Direction.FORWARD;
    }

    private byte[] chunkKey(VaultState.Pad p) {
        return Hkdf.derive(vaultKey, HexFormat.of().parseHex(p.fileSalt), "otpi pad v1", 32);
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

    private static void checkName(String name) throws VaultException {
        checkId(name);
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
