package org.otpi.appliance.entropy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import org.otpi.appliance.io.Fsync;
import org.tinylog.Logger;

/**
 * A {@link PadSink} to a plain file, for tests and the benchmark (never for real pads: they
 * belong in the vault). Writes to a hidden temporary file beside the target; commit fsyncs it,
 * renames it atomically onto the target and fsyncs the directory; abort overwrites the
 * temporary file with zeros, fsyncs and deletes it. (On flash an overwrite may leave old
 * blocks in the translation layer; the vault's encryption is what protects real pads.)
 */
public final class FilePadSink implements PadSink {
    private final Path target;
    private final Path temp;
    private FileChannel ch;
    private long written;
    private boolean finished;

    public FilePadSink(Path target) throws IOException {
        this.target = target;
        this.temp = target.resolveSibling("." + target.getFileName() + ".partial-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        this.ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IllegalStateException("sink finished");
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        written += len;
    }

    @Override
    public void commit() throws IOException {
        if (finished) {
            throw new IllegalStateException("sink finished");
        }
        ch.force(true);
        ch.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        finished = true;
        Fsync.parentOf(target);
    }

    @Override
    public void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            if (!ch.isOpen()) {
                ch = FileChannel.open(temp, StandardOpenOption.WRITE);
            }
            byte[] zeros = new byte[65536];
            ch.position(0);
            for (long done = 0; done < written; ) {
                int n = (int) Math.min(zeros.length, written - done);
                done += ch.write(ByteBuffer.wrap(zeros, 0, n));
            }
            ch.force(true);
        } catch (IOException e) {
            Logger.warn("could not overwrite aborted pad file {}: {}", temp, e.getMessage());
        } finally {
            try {
                ch.close();
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                Logger.warn("could not delete aborted pad file {}: {}", temp, e.getMessage());
            }
        }
    }
}
