package org.otpi.appliance.vault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.pad.InsecurePadAccess;
import org.otpi.appliance.pad.PadFile;
import org.tinylog.Logger;

/**
 * Encrypted backups of the vault ({@link BackupStreams} is the container): export writes every pad
 * (dead bytes as zeros) and its state; restore brings pads back without ever rolling a cursor back
 * over what this device used (the SD card's marks), and makes a pad the card has no mark for
 * receive-only until an authenticated ack or a skip ahead.
 */
final class VaultBackups {
    private final Vault v;

    VaultBackups(Vault v) {
        this.v = v;
    }

    void export(OutputStream out, char[] passphrase, Argon2id kdf) throws VaultException {
        if (passphrase == null || passphrase.length < 8) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "the backup passphrase must have at least 8 characters");
        }
        v.compactionLock().writeLock().lock(); // a consistent picture of every contact
        try {
            v.ensureOpen();
            List<Vault.Entry> entries = v.entries().values().stream().filter(e -> e.ledger != null).toList();
            VaultState.Record manifest = new VaultState.Record();
            manifest.op = "snapshot";
            manifest.deviceId = v.deviceId();
            manifest.contacts = new ArrayList<>();
            for (Vault.Entry e : entries) {
                manifest.contacts.add(e.ledger.snapshot());
            }
            try (OutputStream sealed = BackupStreams.sealing(out, passphrase, kdf)) {
                byte[] m = Vault.JSON.writeValueAsBytes(manifest);
                sealed.write(java.nio.ByteBuffer.allocate(4).putInt(m.length).array());
                sealed.write(m);
                for (Vault.Entry e : entries) {
                    // Pad bytes leave the pad store here, straight into the sealing stream.
                    e.file.exportTo(sealed, e.ledger.dead(), InsecurePadAccess.iUnderstandThisMovesPadBytes());
                }
            }
            Logger.tag("security").info("encrypted backup exported ({} pads)", entries.size());
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.IO, "backup failed: " + ex.getMessage(), ex);
        } finally {
            v.compactionLock().writeLock().unlock();
        }
    }

    Vault.RestoreReport restore(InputStream in, char[] passphrase) throws VaultException {
        v.compactionLock().readLock().lock();
        List<String> restored = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<String> receiveOnly = new ArrayList<>();
        try (InputStream plain = BackupStreams.opening(in, passphrase)) {
            v.ensureOpen();
            byte[] len = plain.readNBytes(4);
            if (len.length != 4) {
                throw new IOException("backup truncated");
            }
            int n = java.nio.ByteBuffer.wrap(len).getInt();
            if (n < 0 || n > Journal.MAX_RECORD) {
                throw new IOException("backup manifest too large");
            }
            VaultState.Record manifest = Vault.JSON.readValue(plain.readNBytes(n), VaultState.Record.class);
            if (!v.deviceId().equals(manifest.deviceId)) {
                throw new VaultException(VaultException.Kind.BAD_INPUT,
                        "this backup belongs to another device id; restoring it would swap Person 0 and 1");
            }
            for (VaultState.Contact c : manifest.contacts) {
                InputStream padBytes = new BoundedInputStream(plain, c.pad.size);
                boolean exists;
                synchronized (v.entries()) {
                    exists = v.entries().containsKey(c.name) || v.entries().values().stream()
                            .anyMatch(e -> e.ledger != null && e.ledger.pad.padId.equals(c.pad.padId));
                }
                if (exists) {
                    padBytes.skipNBytes(c.pad.size);
                    skipped.add(c.name);
                    continue;
                }
                if (restoreOne(c, padBytes)) {
                    receiveOnly.add(c.name);
                }
                restored.add(c.name);
            }
            if (plain.read() != -1) {
                throw new IOException("backup has data after its last pad");
            }
            Logger.tag("security").info("backup restored: {} pads ({} receive-only), {} skipped", restored.size(),
                    receiveOnly.size(), skipped.size());
            return new Vault.RestoreReport(restored, skipped, receiveOnly);
        } catch (IOException ex) {
            throw new VaultException(VaultException.Kind.CORRUPT, "restore failed: " + ex.getMessage(), ex);
        } finally {
            v.compactionLock().readLock().unlock();
        }
    }

    /** Restores one pad; returns true if it had to be made receive-only. */
    private boolean restoreOne(VaultState.Contact c, InputStream padBytes) throws IOException {
        VaultState.Pad from = c.pad;
        VaultState.Pad p = Vault.newPadState(from.size, from.source == null ? "restored" : from.source, from.kind);
        p.split = from.split;
        p.padId = from.padId;
        p.sendUsed = from.sendUsed;
        p.receiveFrontier = from.receiveFrontier;
        p.opened = from.opened;
        p.slotsBelow = from.slotsBelow;
        p.expired = from.expired;
        p.expiredBy = from.expiredBy;
        p.lowThreshold = from.lowThreshold;
        p.created = from.created;
        // kept opens are not restored: their pad is zeros in the backup (dead), and the client
        // that asked for them talks to the old vault
        c.pad = p;
        Vault.Entry e = new Vault.Entry(v.deviceId(), c);
        Files.createDirectories(v.padDir());
        e.file = PadFile.create(v.padDir().resolve(p.file), HexFormat.of().parseHex(p.file), v.chunkKey(p), p.size,
                p.chunkSize, padBytes, null);
        if (!HexFormat.of().formatHex(e.file.padId()).equals(p.padId)) {
            e.file.wipeAndDelete();
            throw new IOException("backup pad does not match its id");
        }
        Optional<HighWaterMarks.Mark> mark = v.marks().get(HexFormat.of().parseHex(p.padId), e.ledger.geometry, e.ledger.own, false);
        boolean blocked = false;
        if (mark.isEmpty()) {
            p.sendBlocked = true;
            blocked = true;
            Logger.tag("security").warn("restored pad {} has no high-water mark on this SD card: receive-only until"
                    + " the contact's next message acknowledges how far they have read, or a skip ahead", p.padId);
        } else if (e.ledger.applyMark(mark.get())) {
            Logger.tag("security").warn("restored pad {} is older than this device's high-water mark: cursors moved"
                    + " ahead to the mark", p.padId);
        }
        e.lock.lock();
        try {
            synchronized (v.entries()) {
                v.persistWhole(e);
                v.entries().put(c.name, e);
            }
            v.destroyDead(e);
        } finally {
            e.lock.unlock();
        }
        return blocked;
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
}
