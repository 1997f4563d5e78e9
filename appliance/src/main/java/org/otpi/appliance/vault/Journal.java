package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.crypto.XChaCha20Poly1305;
import org.otpi.appliance.io.Fsync;
import org.tinylog.Logger;

/**
 * The vault's append-only, sealed, fsync'd journal of state changes.
 *
 * <pre>
 *   file   = magic "OTPiJRN2" 8 | salt 16 | record*
 *   record = length 4 (BE) | nonce 24 | ciphertext (length) | tag 16
 *   cipher = XChaCha20-Poly1305, key = HKDF-SHA256(vault key, salt, "otpi journal v2"),
 *            nonce = 24 random bytes per record
 *   aad    = magic | salt | record number 8 | length 4                record numbers count from 0
 * </pre>
 *
 * <p>Guarantees: {@link #append} returns only after the record is on stable storage (fsync).
 * Nonces are random, so no (key, nonce) pair repeats even when an old copy of the journal, or one
 * cut at a record boundary, is written to again. On open, a torn or unauthentic tail is dropped
 * (the file is truncated to the last good record) and logged; a complete record that fails with
 * more data after it is damage and refused. A reader can never see a record that was not fully
 * written. Records cannot be reordered or spliced between files (the AAD binds position and
 * salt). A rolled-back journal is caught by the SD card's high-water marks, not here.
 *
 * <p>Thread-safety: {@link #append} is synchronized.
 */
final class Journal implements AutoCloseable {
    static final String FILE = "journal";
    static final byte[] MAGIC = "OTPiJRN2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER = 8 + 16;
    private static final int OVERHEAD = XChaCha20Poly1305.OVERHEAD;
    static final int MAX_RECORD = 16 * 1024 * 1024;

    private final Path path;
    private final FileChannel ch;
    private final byte[] salt;
    private final XChaCha20Poly1305 aead;
    private long nextRecord;
    private long size;

    private Journal(Path path, FileChannel ch, byte[] salt, byte[] vaultKey) {
        this.path = path;
        this.ch = ch;
        this.salt = salt;
        byte[] key = Hkdf.derive(vaultKey, salt, "otpi journal v2", 32);
        this.aead = new XChaCha20Poly1305(key);
        Arrays.fill(key, (byte) 0);
    }

    /** Creates a new journal file at {@code path} holding {@code records}, atomically replacing any old one. */
    static Journal create(Path path, byte[] vaultKey, List<byte[]> records) throws IOException {
        Path tmp = path.resolveSibling(path.getFileName() + ".new");
        Files.deleteIfExists(tmp);
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        Journal j = new Journal(path, ch, salt, vaultKey);
        try {
            j.writeFully(ByteBuffer.allocate(HEADER).put(MAGIC).put(salt).flip());
            j.size = HEADER;
            for (byte[] r : records) {
                j.write(r);
            }
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            j.close();
            Files.deleteIfExists(tmp);
            throw e;
        }
        Durable.restrict(tmp);
        Files.move(tmp, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Fsync.parentOf(path);
        return j;
    }

    /** True if the journal at {@code path} is in the first format (counter nonces), to be migrated. */
    static boolean isLegacy(Path path) throws IOException {
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer m = ByteBuffer.allocate(8);
            c.read(m, 0);
            return Arrays.equals(m.array(), LegacyFormats.JOURNAL_V1_MAGIC);
        }
    }

    /**
     * Opens the journal and returns every intact record through {@code sink}; truncates a torn
     * tail. Throws if the header itself is damaged or the key is wrong (first record fails).
     */
    static Journal open(Path path, byte[] vaultKey, List<byte[]> sink) throws IOException {
        Files.deleteIfExists(path.resolveSibling(path.getFileName() + ".new")); // abandoned compaction
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            readFully(ch, head, 0);
            if (head.hasRemaining() || !Arrays.equals(Arrays.copyOf(head.array(), 8), MAGIC)) {
                throw new IOException("journal header damaged");
            }
            byte[] salt = Arrays.copyOfRange(head.array(), 8, HEADER);
            Journal j = new Journal(path, ch, salt, vaultKey);
            long pos = HEADER;
            long fileSize = ch.size();
            List<byte[]> good = new ArrayList<>();
            while (pos < fileSize) {
                byte[] body = j.readRecord(pos, fileSize);
                if (body == null) {
                    break;
                }
                good.add(body);
                pos += 4 + body.length + OVERHEAD;
                j.nextRecord++;
            }
            if (pos < fileSize) {
                if (wholeRecordFollowedByMore(ch, pos, fileSize)) {
                    // A complete record that fails, with data after it, is damage, not a torn write.
                    throw new IOException("journal damaged at record " + j.nextRecord);
                }
                Logger.tag("security").warn("vault journal: dropped a torn tail of {} bytes after record {}",
                        fileSize - pos, j.nextRecord);
                ch.truncate(pos);
                ch.force(true);
            }
            j.size = pos;
            sink.addAll(good);
            return j;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static boolean wholeRecordFollowedByMore(FileChannel ch, long pos, long fileSize) throws IOException {
        if (fileSize - pos < 4) {
            return false;
        }
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(ch, len, pos);
        int n = len.flip().getInt();
        return n >= 0 && n <= MAX_RECORD && pos + 4 + n + OVERHEAD < fileSize;
    }

    private byte[] readRecord(long pos, long fileSize) throws IOException {
        if (fileSize - pos < 4) {
            return null;
        }
        ByteBuffer len = ByteBuffer.allocate(4);
        readFully(ch, len, pos);
        int n = len.flip().getInt();
        if (n < 0 || n > MAX_RECORD || pos + 4 + n + OVERHEAD > fileSize) {
            return null;
        }
        ByteBuffer sealed = ByteBuffer.allocate(n + OVERHEAD);
        readFully(ch, sealed, pos + 4);
        try {
            return aead.decrypt(sealed.array(), 0, sealed.capacity(), aad(nextRecord, n));
        } catch (AEADBadTagException e) {
            return null;
        }
    }

    /** Appends a record and returns after it is fsync'd. */
    synchronized void append(byte[] body) throws IOException {
        write(body);
        ch.force(false);
    }

    private void write(byte[] body) throws IOException {
        if (body.length > MAX_RECORD) {
            throw new IOException("journal record too large");
        }
        byte[] sealed = aead.encrypt(body, 0, body.length, aad(nextRecord, body.length));
        ByteBuffer b = ByteBuffer.allocate(4 + sealed.length).putInt(body.length).put(sealed).flip();
        ch.position(size);
        writeFully(b);
        size += b.capacity();
        nextRecord++;
    }

    synchronized long size() {
        return size;
    }

    synchronized long records() {
        return nextRecord;
    }

    private byte[] aad(long record, int length) {
        return ByteBuffer.allocate(HEADER + 12).put(MAGIC).put(salt).putLong(record).putInt(length).array();
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                return;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        aead.close();
        if (ch.isOpen()) {
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "Journal[" + path.getFileName() + ", " + nextRecord + " records]";
    }
}
