package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The note's key file: raw 120-byte slots back to back, no header (what its
 * {@code psk_file_generator.py} writes). Trailing bytes short of a slot are ignored.
 *
 * <p>{@link #destroy} writes zeroes over the half in place and forces the file to the device.
 * Limits: flash media and copy-on-write file systems may keep the old blocks; only the vault's
 * encryption at rest covers that.
 *
 * <p>Thread-safe: positional reads and writes on one {@link FileChannel}.
 */
public final class KeyFileSlotStore implements SlotStore {

    private final FileChannel channel;
    private final long slots;
    private final Path path;

    private KeyFileSlotStore(Path path, FileChannel channel, long slots) {
        this.path = path;
        this.channel = channel;
        this.slots = slots;
    }

    /** Opens a key file for reading and in-place destruction. */
    public static KeyFileSlotStore open(Path keyFile) throws IOException {
        FileChannel ch = FileChannel.open(keyFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new KeyFileSlotStore(keyFile, ch, ch.size() / ProtocolConstants.SLOT_SIZE);
    }

    @Override
    public long slotCount() {
        return slots;
    }

    @Override
    public SlotSecret read(long index) throws IOException {
        checkIndex(index);
        byte[] buf = new byte[ProtocolConstants.SLOT_SIZE];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        long pos = index * ProtocolConstants.SLOT_SIZE;
        while (bb.hasRemaining()) {
            int n = channel.read(bb, pos + bb.position());
            if (n < 0) {
                throw new IOException("key file truncated at slot " + index);
            }
        }
        try {
            return SlotSecret.copyOf(buf, 0);
        } finally {
            java.util.Arrays.fill(buf, (byte) 0);
        }
    }

    @Override
    public void destroy(long index, Direction direction) throws IOException {
        checkIndex(index);
        ByteBuffer zeroes = ByteBuffer.allocate(ProtocolConstants.HALF_SIZE);
        long pos = index * ProtocolConstants.SLOT_SIZE + direction.halfOffset();
        while (zeroes.hasRemaining()) {
            channel.write(zeroes, pos + zeroes.position());
        }
        channel.force(false);
    }

    @Override
    public void destroyRange(long from, long to, Direction direction) throws IOException {
        if (from >= to) {
            return;
        }
        checkIndex(from);
        checkIndex(to - 1);
        for (long i = from; i < to; i++) {
            ByteBuffer zeroes = ByteBuffer.allocate(ProtocolConstants.HALF_SIZE);
            long pos = i * ProtocolConstants.SLOT_SIZE + direction.halfOffset();
            while (zeroes.hasRemaining()) {
                channel.write(zeroes, pos + zeroes.position());
            }
        }
        channel.force(false);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= slots) {
            throw new IllegalArgumentException("slot " + index + " outside key file of " + slots + " slots");
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "KeyFileSlotStore[" + path + ", " + slots + " slots]";
    }
}
