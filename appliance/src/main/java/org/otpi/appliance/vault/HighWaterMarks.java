package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpi.appliance.pad.Direction;
import org.otpi.appliance.pad.PadGeometry;
import org.otpi.appliance.io.Fsync;
import org.tinylog.Logger;

/**
 * Monotonic per-pad high-water marks kept on the SD card, apart from the medium, so that a
 * rolled-back medium, a restored backup or a re-imported pad can never make this device reuse
 * pad it already used, nor accept again what it already opened.
 *
 * <p>Marks are <em>absolute</em> byte ranges of the pad, not stream offsets, so they hold
 * whichever half a pad is later used from (a re-import under another contact id flips Person 0
 * and 1) and whatever its size (Person 1's half counts from the end):
 *
 * <pre>
 *   file    = record*            written at explicit offsets, fsync'd after each raise
 *   record  = pad tag 16 | forward end 8 | backward start 8 | backward top 8 | CRC-32 4
 *   meaning   every byte in [16, forward end) and in [backward start, backward top) may have
 *             been used (sent or opened) by this device
 *   pad tag = HMAC-SHA256(device secret, "otpi-hwm" | pad id)[0..16]   (the card alone does not
 *             reveal pad ids)
 * </pre>
 *
 * A pad's mark is the union (forward: the maximum; backward: the hull) of its records. On open,
 * a torn tail (a partial record, or a last record failing its CRC) is cut off, so later raises
 * land on record boundaries. Marks of the first format ({@code hwm.log}: stream offsets without
 * direction or size) are read and converted: exactly for a pad still in the vault, conservatively
 * (both halves, as far as the larger offset) for one imported again.
 *
 * <p>Thread-safety: synchronized.
 */
final class HighWaterMarks implements AutoCloseable {
    static final String FILE = "marks.log";
    static final String LEGACY_FILE = "hwm.log";
    private static final int RECORD = 16 + 8 + 8 + 8 + 4;
    private static final int LEGACY_RECORD = 16 + 8 + 8 + 4;

    /** What this device may have used of one pad, in absolute pad offsets. */
    record Mark(long forwardEnd, long backwardStart, long backwardTop) {
        static final Mark NONE = new Mark(PadGeometry.PAD_ID_LENGTH, 0, 0);

        /** The mark of a pad used {@code sendUsed} bytes our way and opened to {@code receiveFrontier}. */
        static Mark of(PadGeometry g, Direction own, long sendUsed, long receiveFrontier) {
            long fwd = own == Direction.FORWARD ? sendUsed : receiveFrontier;
            long bwd = own == Direction.FORWARD ? receiveFrontier : sendUsed;
            return new Mark(PadGeometry.PAD_ID_LENGTH + fwd, bwd == 0 ? 0 : g.size() - bwd, bwd == 0 ? 0 : g.size());
        }

        boolean backwardEmpty() {
            return backwardStart >= backwardTop;
        }

        Mark union(Mark o) {
            long fwd = Math.max(forwardEnd, o.forwardEnd);
            if (backwardEmpty()) {
                return new Mark(fwd, o.backwardStart, o.backwardTop);
            }
            if (o.backwardEmpty()) {
                return new Mark(fwd, backwardStart, backwardTop);
            }
            return new Mark(fwd, Math.min(backwardStart, o.backwardStart), Math.max(backwardTop, o.backwardTop));
        }

        /**
         * The smallest stream offset of direction {@code d} that lies beyond every marked byte of
         * d's half of a pad with geometry {@code g}: a cursor at or past it touches nothing used.
         */
        long cursorFor(PadGeometry g, Direction d) {
            long split = g.split();
            long size = g.size();
            long c = 0;
            List<long[]> used = new ArrayList<>(2);
            used.add(new long[] {PadGeometry.PAD_ID_LENGTH, forwardEnd});
            if (!backwardEmpty()) {
                used.add(new long[] {backwardStart, backwardTop});
            }
            for (long[] u : used) {
                if (d == Direction.FORWARD) {
                    long lo = Math.max(u[0], PadGeometry.PAD_ID_LENGTH);
                    long hi = Math.min(u[1], split);
                    if (lo < hi) {
                        c = Math.max(c, hi - PadGeometry.PAD_ID_LENGTH);
                    }
                } else {
                    long lo = Math.max(u[0], split);
                    long hi = Math.min(u[1], size);
                    if (lo < hi) {
                        c = Math.max(c, size - lo);
                    }
                }
            }
            return Math.min(c, g.capacity(d));
        }
    }

    private final Path path;
    private final Mac mac;
    private final Map<String, Mark> marks = new HashMap<>();
    private final Map<String, long[]> legacy = new HashMap<>();
    private FileChannel ch;
    private long end;

    HighWaterMarks(Path stateDir, DeviceSecret secret) throws IOException {
        this.path = stateDir.resolve(FILE);
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        readLegacy(stateDir.resolve(LEGACY_FILE));
        boolean existed = Files.exists(path);
        ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Durable.restrict(path);
        if (!existed) {
            Fsync.parentOf(path);
        }
        load();
        if (end > 64 * 1024 && end / RECORD > 4L * marks.size()) {
            compact();
        }
    }

    private void load() throws IOException {
        long size = ch.size();
        ByteBuffer all = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE - 8));
        while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
            // read it all
        }
        byte[] b = all.array();
        long goodEnd = 0;
        List<Integer> bad = new ArrayList<>();
        for (int off = 0; off + RECORD <= b.length; off += RECORD) {
            ByteBuffer r = ByteBuffer.wrap(b, off, RECORD);
            byte[] tag = new byte[16];
            r.get(tag);
            Mark m = new Mark(r.getLong(), r.getLong(), r.getLong());
            int crc = r.getInt();
            if (crc(b, off, RECORD) == crc && m.forwardEnd() >= PadGeometry.PAD_ID_LENGTH && m.backwardStart() >= 0
                    && m.backwardTop() >= 0) {
                marks.merge(HexFormat.of().formatHex(tag), m, Mark::union);
                goodEnd = off + RECORD;
            } else {
                bad.add(off);
            }
        }
        if (goodEnd < size) {
            // A torn tail (power cut mid-write): cut it off so the next record starts on a
            // boundary. Damaged records before good ones are skipped (the good ones count).
            Logger.tag("security").warn("high-water marks: cut a torn tail of {} bytes", size - goodEnd);
            ch.truncate(goodEnd);
            ch.force(true);
        }
        final long good = goodEnd;
        long damaged = bad.stream().filter(off -> off < good).count();
        if (damaged > 0) {
            Logger.tag("security").warn("high-water marks: {} damaged records skipped", damaged);
        }
        end = goodEnd;
    }

    private void readLegacy(Path file) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        byte[] all = Files.readAllBytes(file);
        for (int off = 0; off + LEGACY_RECORD <= all.length; off += LEGACY_RECORD) {
            ByteBuffer b = ByteBuffer.wrap(all, off, LEGACY_RECORD);
            byte[] tag = new byte[16];
            b.get(tag);
            long send = b.getLong();
            long recv = b.getLong();
            if (crc(all, off, LEGACY_RECORD) == b.getInt() && send >= 0 && recv >= 0) {
                legacy.merge(HexFormat.of().formatHex(tag), new long[] {send, recv},
                        (x, y) -> new long[] {Math.max(x[0], y[0]), Math.max(x[1], y[1])});
            }
        }
    }

    /**
     * The mark of a pad, or empty if this SD card has never seen it. {@code exact} says that the
     * pad is the one the legacy marks were written for (same contact, same size); otherwise a
     * legacy mark is applied to both halves.
     */
    synchronized Optional<Mark> get(byte[] padId, PadGeometry g, Direction own, boolean exact) throws IOException {
        String t = tag(padId);
        Mark m = marks.get(t);
        long[] old = legacy.get(t);
        if (old != null) {
            Mark converted = exact ? Mark.of(g, own, old[0], old[1])
                    : new Mark(PadGeometry.PAD_ID_LENGTH + Math.max(old[0], old[1]),
                            g.size() - Math.min(g.size(), Math.max(old[0], old[1])), g.size());
            Mark merged = m == null ? converted : m.union(converted);
            write(t, merged);
            marks.put(t, merged);
            legacy.remove(t);
            m = merged;
        }
        return Optional.ofNullable(m);
    }

    /** Raises the mark of a pad (never lowers it) and fsyncs before returning. */
    synchronized void raise(byte[] padId, Mark m) throws IOException {
        String t = tag(padId);
        Mark old = marks.get(t);
        Mark now = old == null ? m : old.union(m);
        if (now.equals(old)) {
            return;
        }
        write(t, now);
        marks.put(t, now);
    }

    private void write(String tag, Mark m) throws IOException {
        ByteBuffer b = record(tag, m);
        long pos = end;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
        ch.force(false);
        end = pos;
    }

    private static ByteBuffer record(String tag, Mark m) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        b.put(HexFormat.of().parseHex(tag)).putLong(m.forwardEnd()).putLong(m.backwardStart()).putLong(m.backwardTop());
        b.putInt(crc(b.array(), 0, RECORD));
        return b.flip();
    }

    private void compact() throws IOException {
        ByteBuffer all = ByteBuffer.allocate(marks.size() * RECORD);
        marks.forEach((t, m) -> all.put(record(t, m)));
        ch.close();
        Durable.writeAtomically(path, all.array());
        ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        end = all.capacity();
    }

    private static int crc(byte[] b, int off, int recordLength) {
        CRC32 c = new CRC32();
        c.update(b, off, recordLength - 4);
        return (int) c.getValue();
    }

    private String tag(byte[] padId) {
        mac.update("otpi-hwm".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] full = mac.doFinal(padId);
        return HexFormat.of().formatHex(full, 0, 16);
    }

    @Override
    public synchronized void close() throws IOException {
        if (ch != null && ch.isOpen()) {
            ch.close();
        }
    }
}
