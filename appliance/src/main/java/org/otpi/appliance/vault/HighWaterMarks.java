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
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Monotonic per-pad high-water marks kept on the SD card, apart from the medium, so that a
 * restored backup or a rolled-back copy of the medium can never make this device reuse pad it
 * already used, nor accept again what it already opened.
 *
 * <pre>
 *   file   = record*            appended and fsync'd after each journal change of a cursor
 *   record = pad tag 16 | send used 8 | receive frontier 8 | CRC-32 4
 *   pad tag = HMAC-SHA256(device secret, "otpi-hwm" | pad id)[0..16]   (the card alone does not
 *             reveal pad ids)
 * </pre>
 *
 * Values only ever grow: the mark for a pad is the maximum over its records. A torn last record
 * fails its CRC and is ignored. Thread-safety: synchronized.
 */
final class HighWaterMarks implements AutoCloseable {
    static final String FILE = "hwm.log";
    private static final int RECORD = 16 + 8 + 8 + 4;

    /** The marks of one pad. */
    record Mark(long sendUsed, long receiveFrontier) {
        static final Mark ZERO = new Mark(0, 0);

        Mark max(Mark o) {
            return new Mark(Math.max(sendUsed, o.sendUsed), Math.max(receiveFrontier, o.receiveFrontier));
        }
    }

    private final Path path;
    private final byte[] macKey;
    private final Map<String, Mark> marks = new HashMap<>();
    private FileChannel ch;

    HighWaterMarks(Path stateDir, DeviceSecret secret) throws IOException {
        this.path = stateDir.resolve(FILE);
        this.macKey = secret.bytes().clone();
        if (Files.exists(path)) {
            byte[] all = Files.readAllBytes(path);
            for (int off = 0; off + RECORD <= all.length; off += RECORD) {
                ByteBuffer b = ByteBuffer.wrap(all, off, RECORD);
                byte[] tag = new byte[16];
                b.get(tag);
                long send = b.getLong();
                long recv = b.getLong();
                int crc = b.getInt();
                if (crc(all, off) == crc && send >= 0 && recv >= 0) {
                    marks.merge(HexFormat.of().formatHex(tag), new Mark(send, recv), Mark::max);
                }
            }
            if (all.length > 64 * 1024 && all.length / RECORD > 4L * marks.size()) {
                compact();
            }
        }
        ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        Durable.restrict(path);
    }

    synchronized Mark get(byte[] padId) {
        return marks.getOrDefault(tag(padId), Mark.ZERO);
    }

    /** Raises the marks of a pad (never lowers them) and fsyncs before returning. */
    synchronized void raise(byte[] padId, long sendUsed, long receiveFrontier) throws IOException {
        String t = tag(padId);
        Mark old = marks.getOrDefault(t, Mark.ZERO);
        Mark now = old.max(new Mark(sendUsed, receiveFrontier));
        if (now.equals(old) && marks.containsKey(t)) {
            return;
        }
        marks.put(t, now);
        ByteBuffer b = record(t, now);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        ch.force(false);
    }

    private ByteBuffer record(String tag, Mark m) {
        ByteBuffer b = ByteBuffer.allocate(RECORD);
        b.put(HexFormat.of().parseHex(tag)).putLong(m.sendUsed()).putLong(m.receiveFrontier());
        b.putInt(crc(b.array(), 0));
        return b.flip();
    }

    private void compact() throws IOException {
        List<ByteBuffer> records = new ArrayList<>();
        marks.forEach((t, m) -> records.add(record(t, m)));
        ByteBuffer all = ByteBuffer.allocate(records.size() * RECORD);
        records.forEach(all::put);
        Durable.writeAtomically(path, all.array());
    }

    private static int crc(byte[] b, int off) {
        CRC32 c = new CRC32();
        c.update(b, off, RECORD - 4);
        return (int) c.getValue();
    }

    private String tag(byte[] padId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(macKey, "HmacSHA256"));
            mac.update("otpi-hwm".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] full = mac.doFinal(padId);
            return HexFormat.of().formatHex(full, 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        java.util.Arrays.fill(macKey, (byte) 0);
        if (ch != null && ch.isOpen()) {
            ch.close();
        }
    }
}
