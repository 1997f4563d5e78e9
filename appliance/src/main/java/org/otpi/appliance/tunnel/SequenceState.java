package org.otpi.appliance.tunnel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import org.tinylog.Logger;

/**
 * The link's durable counters, one small file written atomically (write temp, fsync, rename,
 * fsync directory), so they survive crashes and power loss.
 *
 * <ul>
 *   <li>{@code txReserved}: exclusive upper bound of every sequence number this end may have
 *       sent. A restarted sender starts there: it never reuses a (key, nonce) pair.</li>
 *   <li>{@code rxReserved}: exclusive upper bound of every sequence number this end may have
 *       accepted. A restarted receiver rejects everything below it: no replay of what it
 *       accepted before the crash.</li>
 *   <li>{@code txDestroyedBelow}, {@code rxDestroyedBelow}: slots below these had their half
 *       destroyed; kept so a restart finishes the destruction without rescanning the medium.</li>
 * </ul>
 *
 * <p>The state directory is locked ({@code state.lock}) for the life of this object: two
 * processes on one state would reuse nonces.
 *
 * <p>Thread-safe (synchronized).
 */
public final class SequenceState implements AutoCloseable {

    static final String FILE = "tunnel.state";
    private static final String LOCK = "state.lock";

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private long txReserved;
    private long rxReserved;
    private long txDestroyedBelow;
    private long rxDestroyedBelow;
    private long writes;

    private SequenceState(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating if needed) the state in {@code dir} and locks it. */
    public static SequenceState open(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel lc = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = lc.tryLock();
        if (lock == null) {
            lc.close();
            throw new IOException("tunnel state " + dir + " is in use by another process");
        }
        SequenceState s = new SequenceState(dir, lc, lock);
        try {
            s.load();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void load() throws IOException {
        byte[] raw;
        try {
            raw = Files.readAllBytes(dir.resolve(FILE));
        } catch (NoSuchFileException e) {
            return;
        }
        Properties p = new Properties();
        p.load(new ByteArrayInputStream(raw));
        txReserved = parse(p, "txReserved");
        rxReserved = parse(p, "rxReserved");
        txDestroyedBelow = parse(p, "txDestroyedBelow");
        rxDestroyedBelow = parse(p, "rxDestroyedBelow");
    }

    private static long parse(Properties p, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IOException("tunnel state lacks " + key + ": refusing to guess (would risk nonce reuse)");
        }
        long n = Long.parseLong(v.trim());
        if (n < 0) {
            throw new IOException("tunnel state " + key + " negative");
        }
        return n;
    }

    public synchronized long txReserved() {
        return txReserved;
    }

    public synchronized long rxReserved() {
        return rxReserved;
    }

    public synchronized long txDestroyedBelow() {
        return txDestroyedBelow;
    }

    public synchronized long rxDestroyedBelow() {
        return rxDestroyedBelow;
    }

    /** Number of durable writes so far (for tests and stats). */
    public synchronized long writes() {
        return writes;
    }

    /** Durably raises the sender's bound; returns once it is on the medium. Never lowers it. */
    public synchronized void reserveTx(long bound) throws IOException {
        if (bound > txReserved) {
            txReserved = bound;
            persist();
        }
    }

    /** Durably raises the receiver's bound; returns once it is on the medium. Never lowers it. */
    public synchronized void reserveRx(long bound) throws IOException {
        if (bound > rxReserved) {
            rxReserved = bound;
            persist();
        }
    }

    /** Records destruction progress; written with the next reservation (or {@link #flush()}). */
    public synchronized void destroyedBelow(long txBelow, long rxBelow) {
        txDestroyedBelow = Math.max(txDestroyedBelow, txBelow);
        rxDestroyedBelow = Math.max(rxDestroyedBelow, rxBelow);
    }

    /** Writes the current values durably. */
    public synchronized void flush() throws IOException {
        persist();
    }

    private void persist() throws IOException {
        String text = "# otpi-tunnel durable counters; never edit by hand (lowering them reuses nonces)\n"
                + "version=1\n"
                + "txReserved=" + txReserved + "\n"
                + "rxReserved=" + rxReserved + "\n"
                + "txDestroyedBelow=" + txDestroyedBelow + "\n"
                + "rxDestroyedBelow=" + rxDestroyedBelow + "\n";
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bb = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
            while (bb.hasRemaining()) {
                ch.write(bb);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("state directory does not support atomic rename", e);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            Logger.debug("directory fsync not supported here: {}", e.getMessage());
        }
        writes++;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            lockChannel.close();
        }
    }

    @Override
    public String toString() {
        return "SequenceState[" + dir + "]";
    }
}
