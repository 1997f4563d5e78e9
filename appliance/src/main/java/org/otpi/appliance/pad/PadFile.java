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
import org.otpi.appliance.crypto.InsecureNonceChaCha20Poly1305;

/**
 * One pad on the medium, encrypted in fixed-size chunks with ChaCha20-Poly1305.
 *
 * <pre>
 *   file  = slot 0 | slot 1 | ...            slot i at offset i * (12 + chunkSize + 16)
 *   slot  = nonce 12 | ciphertext (len_i) | tag 16        len_i = min(chunkSize, size - i*chunkSize)
 *   nonce = chunk index (4, BE) | write counter (8, BE)   counter from {@link NonceCounter}, never 0
 *   aad   = "otpi-pad" | file id 16 | chunk index 8 | len_i 4
 *   a slot whose nonce is all zero has been destroyed whole (every byte of it used)
 * </pre>
 *
 * <p>Guarantees: (key, nonce) pairs are unique because every chunk write takes a fresh counter
 * value; chunks cannot be moved between positions or files (the AAD binds both). A chunk that is
 * partly destroyed is re-encrypted with the used bytes zeroed; that rewrite goes first to a redo
 * file (fsync'd) so a crash mid-write cannot lose the chunk's live bytes, and the redo is applied
 * on open only if it is newer than what is in place, so it can never bring destroyed bytes back.
 *
 * <p>Thread-safety: not thread-safe; the vault holds the pad's lock around every call.
 */
public final class PadFile implements AutoCloseable {
    /** Default chunk size: small enough that a partial destroy is cheap, large enough for bulk. */
    public static final int DEFAULT_CHUNK_SIZE = 16 * 1024;
    private static final byte[] AAD_LABEL = "otpi-pad".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int OVERHEAD = InsecureNonceChaCha20Poly1305.NONCE_LENGTH
            + InsecureNonceChaCha20Poly1305.TAG_LENGTH;

    private final Path path;
    private final Path redoPath;
    private final FileChannel ch;
    private final byte[] fileId;
    private final InsecureNonceChaCha20Poly1305 aead;
    private final long size;
    private final int chunkSize;
    private final NonceCounter counter;
    private FileChannel redo;
    private boolean dirty;

    private PadFile(Path path, FileChannel ch, byte[] fileId, byte[] chunkKey, long size, int chunkSize,
                    NonceCounter counter) {
        this.path = path;
        this.redoPath = path.resolveSibling(path.getFileName() + ".redo");
        this.ch = ch;
        this.fileId = fileId.clone();
        this.aead = new InsecureNonceChaCha20Poly1305(chunkKey);
        this.size = size;
        this.chunkSize = chunkSize;
        this.counter = counter;
    }

    /**
     * Writes a new pad file from {@code source} (exactly {@code size} bytes) and fsyncs it.
     * On any failure the partial file is deleted.
     */
    public static PadFile create(Path path, byte[] fileId, byte[] chunkKey, long size, int chunkSize,
                                 NonceCounter counter, InputStream source, ProgressListener progress)
            throws IOException {
        Writer w = begin(path, fileId, chunkKey, size, chunkSize, counter, progress);
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
                               NonceCounter counter, ProgressListener progress) throws IOException {
        if (size < PadGeometry.PAD_ID_LENGTH + 2 || chunkSize < 64) {
            throw new IllegalArgumentException("pad too small");
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        return new Writer(new PadFile(path, ch, fileId, chunkKey, size, chunkSize, counter), progress);
    }

    /**
     * A pad file being written, chunk by chunk, as bytes arrive. Exactly one of {@link #finish}
     * or {@link #abort} ends it; abort deletes everything written. Not thread-safe.
     */
    public static final class Writer {
        private final PadFile file;
        private final ProgressListener progress;
        private final byte[] chunk;
        private int filled;
        private long chunkIndex;
        private long written;
        private boolean done;
        private boolean finished;

        private Writer(PadFile file, ProgressListener progress) {
            this.file = file;
            this.progress = progress;
            this.chunk = new byte[file.chunkSize];
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
                    file.writeSlot(chunkIndex, chunk, want);
                    chunkIndex++;
                    filled = 0;
                    if (progress != null) {
                        progress.advanced(written, file.size);
                    }
                }
            }
        }

        /** Bytes written so far. */
        public long written() {
            return written;
        }

        /** Checks that the whole pad arrived, fsyncs, and returns the open file. */
        public PadFile finish() throws IOException {
            if (written != file.size) {
                abort();
                throw new IOException("pad incomplete: " + written + " of " + file.size + " bytes");
            }
            done = true;
            finished = true;
            Arrays.fill(chunk, (byte) 0);
            file.ch.force(true);
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

    /** Opens an existing pad file, first applying a pending redo if it is newer than what is in place. */
    public static PadFile open(Path path, byte[] fileId, byte[] chunkKey, long size, int chunkSize,
                               NonceCounter counter) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        PadFile f = new PadFile(path, ch, fileId, chunkKey, size, chunkSize, counter);
        try {
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
    public void destroy(long lo, long hi, RangeSet dead) throws IOException {
        if (!dead.covers(lo, hi)) {
            throw new IllegalArgumentException("destroy range not marked dead");
        }
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
            if (!whole && !isZeroSlot(i)) {
                rewritePartial(i, cLo, cHi, dead);
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
    public void exportTo(OutputStream out, RangeSet dead, InsecurePadAccess token) throws IOException {
        java.util.Objects.requireNonNull(token, "export needs an InsecurePadAccess token");
        for (long i = 0; i < chunkCount(); i++) {
            exportChunk(i, out, dead);
        }
    }

    private void exportChunk(long i, OutputStream out, RangeSet dead) throws IOException {
        long cLo = i * chunkSize;
        int len = chunkLength(i);
        if (isZeroSlot(i) || dead.covers(cLo, cLo + len)) {
            out.write(new byte[len]);
            return;
        }
        byte[] plain = decryptChunk(i);
        try {
            for (long[] r : dead.toList()) {
                long a = Math.max(r[0], cLo);
                long b = Math.min(r[1], cLo + len);
                if (a < b) {
                    Arrays.fill(plain, (int) (a - cLo), (int) (b - cLo), (byte) 0);
                }
            }
            out.write(plain, 0, len);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * The pad's plaintext as a stream, dead bytes as zeros, for the in-person transfer (which
     * seals it at once under the transfer code). The token marks a place where pad bytes move.
     */
    public InputStream openPlain(RangeSet dead, InsecurePadAccess token) {
        return openPlain(dead, token, 0);
    }

    /** Like {@link #openPlain(RangeSet, InsecurePadAccess)}, starting at absolute offset {@code from}. */
    public InputStream openPlain(RangeSet dead, InsecurePadAccess token, long from) {
        java.util.Objects.requireNonNull(token, "transfer needs an InsecurePadAccess token");
        if (from < 0 || from > size) {
            throw new IllegalArgumentException("offset outside the pad");
        }
        RangeSet deadCopy = dead.copy();
        return new org.otpi.appliance.crypto.WipingBlockInputStream() {
            private long chunkIndex = from / chunkSize;
            private int skipFirst = (int) (from % chunkSize);

            @Override
            protected byte[] nextBlock() throws IOException {
                if (chunkIndex >= chunkCount()) {
                    return null;
                }
                java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream(chunkSize);
                exportChunk(chunkIndex++, one, deadCopy);
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

    private byte[] aad(long i, int len) {
        return ByteBuffer.allocate(AAD_LABEL.length + 16 + 8 + 4)
                .put(AAD_LABEL).put(fileId).putLong(i).putInt(len).array();
    }

    private byte[] sealSlot(long i, byte[] plain, int len) throws IOException {
        long n = counter.next();
        if (n <= 0) {
            throw new IllegalStateException("nonce counter must be positive");
        }
        byte[] nonce = ByteBuffer.allocate(12).putInt((int) i).putLong(n).array();
        byte[] ct = aead.seal(nonce, plain, 0, len, aad(i, len));
        byte[] slot = new byte[12 + ct.length];
        System.arraycopy(nonce, 0, slot, 0, 12);
        System.arraycopy(ct, 0, slot, 12, ct.length);
        return slot;
    }

    private void writeSlot(long i, byte[] plain, int len) throws IOException {
        writeFully(ByteBuffer.wrap(sealSlot(i, plain, len)), slotOffset(i));
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
        for (int k = 0; k < 12; k++) {
            if (slot[k] != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean isZeroSlot(long i) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(12);
        ch.read(b, slotOffset(i));
        return b.position() == 12 && zeroNonce(b.array());
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
            return aead.open(Arrays.copyOf(slot, 12), slot, 12, slot.length - 12, aad(i, chunkLength(i)));
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

    private void rewritePartial(long i, long cLo, long cHi, RangeSet dead) throws IOException {
        byte[] plain = decryptChunk(i);
        try {
            boolean changed = false;
            for (long[] r : dead.toList()) {
                long a = Math.max(r[0], cLo);
                long b = Math.min(r[1], cHi);
                for (long k = a; k < b; k++) {
                    if (plain[(int) (k - cLo)] != 0) {
                        plain[(int) (k - cLo)] = 0;
                        changed = true;
                    }
                }
            }
            if (!changed) {
                return; // already destroyed: every dead byte of this chunk is zero
            }
            byte[] slot = sealSlot(i, plain, (int) (cHi - cLo));
            // Write-ahead: the new slot goes to the redo file first, so a torn in-place write
            // cannot lose the live bytes of this chunk. The redo is overwritten in place, never
            // deleted: once the slot is in place, the redo is no newer than it and is ignored.
            if (redo == null) {
                redo = FileChannel.open(redoPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            }
            ByteBuffer b = ByteBuffer.allocate(12 + slot.length).putInt(slot.length).putLong(i).put(slot).flip();
            long pos = 0;
            while (b.hasRemaining()) {
                pos += redo.write(b, pos);
            }
            redo.force(false);
            writeFully(ByteBuffer.wrap(slot), slotOffset(i));
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
        try {
            Arrays.fill(openSlot(i, slot), (byte) 0);
        } catch (IOException torn) {
            return; // the redo itself was torn: the in-place slot was never touched
        }
        byte[] inPlace = readSlot(i);
        if (zeroNonce(inPlace)) {
            return; // destroyed whole since: never resurrect
        }
        long placeCounter = ByteBuffer.wrap(inPlace, 4, 8).getLong();
        long redoCounter = ByteBuffer.wrap(slot, 4, 8).getLong();
        boolean placeValid;
        try {
            Arrays.fill(openSlot(i, inPlace), (byte) 0);
            placeValid = true;
        } catch (IOException torn) {
            placeValid = false;
        }
        if (!placeValid || redoCounter > placeCounter) {
            writeFully(ByteBuffer.wrap(slot), slotOffset(i));
            ch.force(false);
        }
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
