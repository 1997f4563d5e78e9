package org.otpi.appliance.pad;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.XChaCha20Poly1305;
import org.otpi.appliance.io.Fsync;

/**
 * One pad on the medium, encrypted in fixed-size chunks with XChaCha20-Poly1305.
 *
 * <pre>
 *   file  = slot 0 | slot 1 | ...            slot i at offset i * (chunkSize + 40)
 *   slot  = nonce 24 | ciphertext (len_i) | tag 16     len_i = min(chunkSize, size - i*chunkSize)
 *   nonce = 24 random bytes, fresh for every write of the slot
 *   aad   = "otpi-pad2" | file id 16 | chunk index 8 | len_i 4
 *   a slot whose nonce is all zero has been destroyed whole (every byte of it used)
 * </pre>
 *
 * <p>Guarantees: no (key, nonce) pair repeats, whatever is done to the medium: nonces are random
 * (192 bits), not counters an old copy of the medium could bring back. Chunks cannot be moved
 * between positions or files (the AAD binds both). A chunk that is partly destroyed is
 * re-encrypted with the dead bytes zeroed; that rewrite goes first to a redo file (fsync'd) so a
 * crash mid-write cannot lose the chunk's live bytes; on open it is applied if the slot in place
 * is torn, or older (it has live bytes where the redo has zeros), never over a slot destroyed
 * whole. New files (the pad, the redo) have their directory entry fsync'd.
 *
 * <p>The default chunk is 16,344 bytes so that a slot is exactly 16 KiB: new pads are written in
 * page-aligned batches of 64 slots.
 *
 * <p>Thread-safety: not thread-safe; the vault holds the pad's lock around every call.
 */
public final class PadFile implements AutoCloseable {
    /** Bytes of a slot on the medium for the default chunk size. */
    public static final int SLOT_SIZE = 16 * 1024;
    /** Default chunk size: a slot of exactly {@link #SLOT_SIZE} bytes. */
    public static final int DEFAULT_CHUNK_SIZE = SLOT_SIZE - XChaCha20Poly1305.OVERHEAD;
    private static final byte[] AAD_LABEL = "otpi-pad2".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int NONCE = XChaCha20Poly1305.NONCE_LENGTH;
    private static final int OVERHEAD = XChaCha20Poly1305.OVERHEAD;
    private static final int WRITE_BATCH = 64;

    private final Path path;
    private final Path redoPath;
    private final FileChannel ch;
    private final byte[] fileId;
    private final XChaCha20Poly1305 aead;
    private final long size;
    private final int chunkSize;
    private FileChannel redo;
    private boolean dirty;

    private PadFile(Path path, FileChannel ch, byte[] fileId, byte[] chunkKey, long size, int chunkSize) {
        this.path = path;
        this.redoPath = path.resolveSibling(path.getFileName() + ".redo");
        this.ch = ch;
        this.fileId = fileId.clone();
        this.aead = new XChaCha20Poly1305(chunkKey);
        this.size = size;
        this.chunkSize = chunkSize;
    }

    /**
     * Writes a new pad file from {@code source} (exactly {@code size} bytes) and fsyncs it.
     * On any failure the partial file is deleted.
     */
    public static PadFile create(Path path, byte[] fileId, byte[] chunkKey, long size, int chunkSize,
                                 InputStream source, ProgressListener progress) throws IOException {
        Writer w = begin(path, fileId, chunkKey, size, chunkSize, progress);
        byte[] buf = new byte[chunkSize];
        try {
            long left = size;
            while (left > 0) {
                int n = source.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("pad source ended early: expected " + size + " bytes");
                }
                w.write(buf, 0, n);
                left -= n;
            }
            return w.finish();
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }

    /** Starts writing a new pad file; bytes are pushed with {@link Writer#write}. */
    public static Writer begin(Path path, byte[] fileId, byte[] chunkKey, long size, int chunkSize,
                               ProgressListener progress) throws IOException {
        if (size < PadGeometry.PAD_ID_LENGTH + 2 || chunkSize < 64) {
            throw new IllegalArgumentException("pad too small");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        return new Writer(new PadFile(path, ch, fileId, chunkKey, size, chunkSize), progress);
    }

    /**
     * A pad file being written, chunk by chunk, as bytes arrive, in batches of 64 slots. Exactly one
     * of {@link #finish} or {@link #abort} ends it; abort deletes everything written. Not
     * thread-safe.
     */
    public static final class Writer {
        private final PadFile file;
        private final ProgressListener progress;
        private final byte[] chunk;
        private final ByteBuffer batch;
        private long batchFirst;
        private int filled;
        private long chunkIndex;
        private long written;
        private boolean done;
        private boolean finished;

        private Writer(PadFile file, ProgressListener progress) {
            this.file = file;
            this.progress = progress;
            this.chunk = new byte[file.chunkSize];
            this.batch = ByteBuffer.allocateDirect(WRITE_BATCH * (file.chunkSize + OVERHEAD));
        }

        /** Appends pad bytes; more than the pad's size is an error. */
        public void write(byte[] b, int off, int len) throws IOException {
            if (done) {
                throw new IllegalStateException("pad writer finished");
            }
            if (len > file.size - written) {
                throw new IOException("more pad bytes than the pad's size");
            }
            while (len > 0) {
                int want = file.chunkLength(chunkIndex);
                int k = Math.min(len, want - filled);
                System.arraycopy(b, off, chunk, filled, k);
                filled += k;
                off += k;
                len -= k;
                written += k;
                if (filled == want) {
                    if (batch.position() == 0) {
                        batchFirst = chunkIndex;
                    }
                    file.sealSlot(chunkIndex, chunk, want, batch);
                    chunkIndex++;
                    filled = 0;
                    if (batch.remaining() < file.chunkSize + OVERHEAD || written == file.size) {
                        flush();
                    }
                    if (progress != null) {
                        progress.advanced(written, file.size);
                    }
                }
            }
        }

        private void flush() throws IOException {
            batch.flip();
            file.writeFully(batch, file.slotOffset(batchFirst));
            batch.clear();
        }

        /** Bytes written so far. */
        public long written() {
            return written;
        }

        /** Checks that the whole pad arrived, fsyncs file and directory, and returns the open file. */
        public PadFile finish() throws IOException {
            if (written != file.size) {
                abort();
                throw new IOException("pad incomplete: " + written + " of " + file.size + " bytes");
            }
            done = true;
            finished = true;
            Arrays.fill(chunk, (byte) 0);
            file.ch.force(true);
            Fsync.parentOf(file.path);
            return file;
        }

        /** Deletes the partial file. Idempotent, never throws. */
        public void abort() {
            if (finished || (done && !file.ch.isOpen())) {
                return;
            }
            done = true;
            Arrays.fill(chunk, (byte) 0);
            try {
                file.close();
                Files.deleteIfExists(file.path);
            } catch (IOException e) {
                // nothing more can be done; an unreferenced file is removed at the next unlock
            }
        }
    }

    /** Opens an existing pad file, first applying a pending redo. */
    public static PadFile open(Path path, byte[] fileId, byte[] chunkKey, long size, int chunkSize) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        PadFile f = new PadFile(path, ch, fileId, chunkKey, size, chunkSize);
        try {
            long expected = f.slotOffset(f.chunkCount() - 1) + f.chunkLength(f.chunkCount() - 1) + OVERHEAD;
            if (ch.size() < expected) {
                throw new IOException("pad file cut short: " + ch.size() + " of " + expected + " bytes");
            }
            f.recoverRedo();
            return f;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Total pad size in bytes. */
    public long size() {
        return size;
    }

    /** Reads the public pad id (the first 16 bytes). */
    public byte[] padId() throws IOException {
        byte[] c = decryptChunk(0);
        try {
            return Arrays.copyOf(c, PadGeometry.PAD_ID_LENGTH);
        } finally {
            Arrays.fill(c, (byte) 0);
        }
    }

    /** A stream of {@code length} pad bytes starting at absolute {@code index}, in direction {@code d}. */
    PadStream stream(Direction d, long index, long length) {
        long lo = d == Direction.FORWARD ? index : index - length + 1;
        if (length < 0 || lo < PadGeometry.PAD_ID_LENGTH || lo + length > size) {
            throw new IllegalArgumentException("stream outside the pad");
        }
        return new PadStream(this, d, index, length);
    }

    /**
     * Destroys pad bytes on the medium: every chunk overlapping [lo, hi) is rewritten with all the
     * bytes in {@code dead} zeroed (or zeroed whole if every byte is dead), then fsync'd.
     * {@code dead} must contain [lo, hi). Idempotent.
     */
    public void destroy(long lo, long hi, DeadBytes dead) throws IOException {
        if (!dead.covers(lo, hi)) {
            throw new IllegalArgumentException("destroy range not marked dead");
        }
        destroyDeadIn(lo, hi, dead);
    }

    /**
     * Destroys, in every chunk overlapping [lo, hi), every byte of {@code dead} (which need not
     * cover the range: a site-link pad's dead key halves alternate with live ones). Chunks with
     * nothing dead are not touched; chunks already destroyed are only checked. Idempotent.
     */
    public void destroyDeadIn(long lo, long hi, DeadBytes dead) throws IOException {
        lo = Math.max(0, lo);
        hi = Math.min(size, hi);
        if (lo >= hi) {
            return;
        }
        long first = lo / chunkSize;
        long last = (hi - 1) / chunkSize;
        long runStart = -1; // a run of wholly dead chunks is zeroed with large writes
        for (long i = first; i <= last; i++) {
            long cLo = i * chunkSize;
            long cHi = cLo + chunkLength(i);
            boolean whole = dead.covers(cLo, cHi);
            if (whole && runStart < 0) {
                runStart = i;
            }
            if (!whole || i == last) {
                if (runStart >= 0) {
                    zeroSlots(runStart, whole ? i : i - 1);
                    runStart = -1;
                }
            }
            if (!whole) {
                RangeSet here = dead.within(cLo, cHi);
                if (!here.isEmpty() && !isZeroSlot(i)) {
                    rewritePartial(i, cLo, cHi, here);
                }
            }
        }
        if (dirty) {
            ch.force(false);
            dirty = false;
        }
    }

    /**
     * Writes the pad's plaintext to {@code out} with every dead byte as zero, for an encrypted
     * backup. {@code out} must encrypt: the token marks this as a place where pad bytes move.
     */
    public void exportTo(OutputStream out, DeadBytes dead, InsecurePadAccess token) throws IOException {
        java.util.Objects.requireNonNull(token, "export needs an InsecurePadAccess token");
        for (long i = 0; i < chunkCount(); i++) {
            exportChunk(i, out, dead);
        }
    }

    private void exportChunk(long i, OutputStream out, DeadBytes dead) throws IOException {
        long cLo = i * chunkSize;
        int len = chunkLength(i);
        if (dead.covers(cLo, cLo + len) || isZeroSlot(i)) {
            out.write(new byte[len]);
            return;
        }
        byte[] plain = decryptChunk(i);
        try {
            zero(plain, cLo, dead.within(cLo, cLo + len));
            out.write(plain, 0, len);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * The pad's plaintext as a stream, dead bytes as zeros, for the in-person transfer (which
     * seals it at once under the transfer code). The token marks a place where pad bytes move.
     */
    public InputStream openPlain(DeadBytes dead, InsecurePadAccess token) {
        return openPlain(dead, token, 0);
    }

    /** Like {@link #openPlain(DeadBytes, InsecurePadAccess)}, starting at absolute offset {@code from}. */
    public InputStream openPlain(DeadBytes dead, InsecurePadAccess token, long from) {
        java.util.Objects.requireNonNull(token, "transfer needs an InsecurePadAccess token");
        if (from < 0 || from > size) {
            throw new IllegalArgumentException("offset outside the pad");
        }
        return new org.otpi.appliance.crypto.WipingBlockInputStream() {
            private long chunkIndex = from / chunkSize;
            private int skipFirst = (int) (from % chunkSize);

            @Override
            protected byte[] nextBlock() throws IOException {
                if (chunkIndex >= chunkCount()) {
                    return null;
                }
                java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream(chunkSize);
                exportChunk(chunkIndex++, one, dead);
                return one.toByteArray();
            }

            @Override
            protected int skipIn(byte[] block) {
                int k = skipFirst;
                skipFirst = 0;
                return k;
            }
        };
    }

    // --- chunk I/O ------------------------------------------------------------------------

    long chunkCount() {
        return (size + chunkSize - 1) / chunkSize;
    }

    int chunkSize() {
        return chunkSize;
    }

    int chunkLength(long i) {
        return (int) Math.min(chunkSize, size - i * chunkSize);
    }

    private long slotOffset(long i) {
        return i * (long) (chunkSize + OVERHEAD);
    }

    private ByteBuffer aad(long i, int len) {
        return ByteBuffer.wrap(ByteBuffer.allocate(AAD_LABEL.length + 16 + 8 + 4)
                .put(AAD_LABEL).put(fileId).putLong(i).putInt(len).array());
    }

    /** Encrypts chunk {@code i} into {@code out} as a slot (nonce, ciphertext, tag). */
    private void sealSlot(long i, byte[] plain, int len, ByteBuffer out) {
        aead.encrypt(ByteBuffer.wrap(plain, 0, len), aad(i, len), out);
    }

    private byte[] readSlot(long i) throws IOException {
        int len = chunkLength(i) + OVERHEAD;
        ByteBuffer b = ByteBuffer.allocate(len);
        long pos = slotOffset(i);
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException("pad file truncated");
            }
        }
        return b.array();
    }

    private static boolean zeroNonce(byte[] slot) {
        for (int k = 0; k < NONCE; k++) {
            if (slot[k] != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean isZeroSlot(long i) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(NONCE);
        while (b.hasRemaining()) {
            if (ch.read(b, slotOffset(i) + b.position()) < 0) {
                return false;
            }
        }
        return zeroNonce(b.array());
    }

    /** Decrypts chunk {@code i}. The caller zeroes the result. */
    byte[] decryptChunk(long i) throws IOException {
        byte[] slot = readSlot(i);
        if (zeroNonce(slot)) {
            throw new PadDestroyedException("pad chunk " + i + " destroyed");
        }
        return openSlot(i, slot);
    }

    private byte[] openSlot(long i, byte[] slot) throws IOException {
        try {
            return aead.decrypt(slot, 0, slot.length, aad(i, chunkLength(i)).array());
        } catch (AEADBadTagException e) {
            throw new IOException("pad chunk " + i + " failed authentication (medium corrupt or tampered)");
        }
    }

    /** Zeroes slots {@code from..to} (inclusive), skipping a run's head that is already zero. */
    private void zeroSlots(long from, long to) throws IOException {
        while (from <= to && isZeroSlot(from)) {
            from++;
        }
        if (from > to) {
            return;
        }
        long start = slotOffset(from);
        long end = slotOffset(to) + chunkLength(to) + OVERHEAD;
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(4L << 20, end - start));
        for (long pos = start; pos < end; ) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
            while (zeros.hasRemaining()) {
                pos += ch.write(zeros, pos);
            }
        }
        dirty = true;
    }

    private static void zero(byte[] plain, long cLo, RangeSet deadHere) {
        for (long[] r : deadHere.toList()) {
            Arrays.fill(plain, (int) (r[0] - cLo), (int) (r[1] - cLo), (byte) 0);
        }
    }

    private void rewritePartial(long i, long cLo, long cHi, RangeSet deadHere) throws IOException {
        byte[] plain = decryptChunk(i);
        try {
            boolean changed = false;
            for (long[] r : deadHere.toList()) {
                for (long k = r[0]; k < r[1] && !changed; k++) {
                    changed = plain[(int) (k - cLo)] != 0;
                }
            }
            if (!changed) {
                return; // already destroyed: every dead byte of this chunk is zero
            }
            zero(plain, cLo, deadHere);
            ByteBuffer slot = ByteBuffer.allocate((int) (cHi - cLo) + OVERHEAD);
            sealSlot(i, plain, (int) (cHi - cLo), slot);
            // Write-ahead: the new slot goes to the redo file first, so a torn in-place write
            // cannot lose the live bytes of this chunk. The redo is overwritten in place, never
            // deleted: it always holds the newest rewrite of its chunk.
            if (redo == null) {
                boolean created = !Files.exists(redoPath);
                redo = FileChannel.open(redoPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                if (created) {
                    redo.force(true);
                    Fsync.parentOf(redoPath);
                }
            }
            ByteBuffer b = ByteBuffer.allocate(12 + slot.capacity()).putInt(slot.capacity()).putLong(i)
                    .put(slot.array()).flip();
            long pos = 0;
            while (b.hasRemaining()) {
                pos += redo.write(b, pos);
            }
            redo.force(false);
            writeFully(ByteBuffer.wrap(slot.array()), slotOffset(i));
            ch.force(false);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private void recoverRedo() throws IOException {
        if (!Files.exists(redoPath)) {
            return;
        }
        ByteBuffer redoBytes = ByteBuffer.wrap(Files.readAllBytes(redoPath));
        if (redoBytes.remaining() < 12) {
            return;
        }
        int len = redoBytes.getInt();
        long i = redoBytes.getLong();
        if (i < 0 || i >= chunkCount() || len != chunkLength(i) + OVERHEAD || redoBytes.remaining() < len) {
            return; // torn or stale header: the in-place slot was never touched by it
        }
        byte[] slot = new byte[len];
        redoBytes.get(slot);
        byte[] redoPlain;
        try {
            redoPlain = openSlot(i, slot);
        } catch (IOException torn) {
            return; // the redo itself was torn: the in-place slot was never touched
        }
        try {
            byte[] inPlace = readSlot(i);
            if (zeroNonce(inPlace) || Arrays.equals(inPlace, slot)) {
                return; // destroyed whole since (never resurrect), or already in place
            }
            byte[] placePlain;
            try {
                placePlain = openSlot(i, inPlace);
            } catch (IOException torn) {
                placePlain = null; // torn mid-write: the redo holds what was being written
            }
            // Dead bytes only grow, so the newer of the two has every byte of the other or zero.
            // The redo is applied only if it is that newer one: an old redo copied back onto the
            // medium cannot bring destroyed bytes back over a valid slot.
            boolean newer = placePlain == null || zeroSuperset(redoPlain, placePlain);
            if (placePlain != null) {
                Arrays.fill(placePlain, (byte) 0);
            }
            if (newer) {
                writeFully(ByteBuffer.wrap(slot), slotOffset(i));
                ch.force(false);
            }
        } finally {
            Arrays.fill(redoPlain, (byte) 0);
        }
    }

    /** True if {@code a} equals {@code b} except where {@code a} is zero. */
    private static boolean zeroSuperset(byte[] a, byte[] b) {
        for (int k = 0; k < a.length; k++) {
            if (a[k] != 0 && a[k] != b[k]) {
                return false;
            }
        }
        return true;
    }

    private void writeFully(ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    /** Deletes the file after overwriting it with zeros (best effort on flash). */
    public void wipeAndDelete() throws IOException {
        long total = ch.size();
        ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
        for (long pos = 0; pos < total; pos += zeros.capacity()) {
            zeros.clear();
            zeros.limit((int) Math.min(zeros.capacity(), total - pos));
            writeFully(zeros, pos);
        }
        ch.force(true);
        close();
        Files.deleteIfExists(path);
        Files.deleteIfExists(redoPath);
        Fsync.parentOf(path);
    }

    @Override
    public void close() throws IOException {
        aead.close();
        if (redo != null && redo.isOpen()) {
            redo.close();
        }
        if (ch.isOpen()) {
            ch.close();
        }
    }

    @Override
    public String toString() {
        return "PadFile[" + path.getFileName() + ", " + size + " bytes]";
    }

    /** Progress of a long pad write. */
    @FunctionalInterface
    public interface ProgressListener {
        void advanced(long done, long total);
    }
}
