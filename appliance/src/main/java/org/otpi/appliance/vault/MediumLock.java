package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on the medium, held while a vault is unlocked. Two processes appending to
 * one journal would reuse record numbers as nonces; this makes the second one fail instead
 * (for example the admin CLI while the daemon runs).
 */
final class MediumLock implements AutoCloseable {
    private final FileChannel ch;
    private final FileLock lock;

    private MediumLock(FileChannel ch, FileLock lock) {
        this.ch = ch;
        this.lock = lock;
    }

    static MediumLock acquire(Path medium) throws IOException {
        FileChannel ch = FileChannel.open(medium.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        }
        if (l == null) {
            ch.close();
            throw new IOException("the vault is in use by another process (is the appliance running?)");
        }
        return new MediumLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        if (lock.isValid()) {
            lock.release();
        }
        ch.close();
    }
}
