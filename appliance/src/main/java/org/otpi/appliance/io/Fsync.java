package org.otpi.appliance.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a directory entry durable: after a file is created, renamed or deleted, its directory is
 * fsync'd so the change survives a power cut (the file's own fsync does not cover its name).
 * The one place OTPi does this; the vault, the pad files and the pad generator call it.
 */
public final class Fsync {
    private Fsync() {
    }

    /**
     * Fsyncs {@code dir}. Best effort: some file systems refuse to open a directory for fsync; the
     * data itself is fsync'd by the caller and a rename is still atomic there.
     */
    public static void directory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // refused by the file system (see above)
        }
    }

    /** Fsyncs the directory holding {@code file}. */
    public static void parentOf(Path file) {
        directory(file.toAbsolutePath().getParent());
    }
}
