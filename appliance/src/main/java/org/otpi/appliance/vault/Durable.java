package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.otpi.appliance.io.Fsync;

/** Small durable-file helpers: atomic replace with fsync of file and directory. */
public final class Durable {
    private Durable() {
    }

    /** Writes {@code bytes} to {@code target} atomically (temp file, fsync, rename, fsync dir). */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        restrict(tmp);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        Fsync.parentOf(target);
    }

    /**
     * Overwrites {@code length} bytes of {@code target} from {@code offset} in place (no temp file,
     * no rename: the old bytes must not survive in another inode), with {@code bytes} then zeros,
     * and fsyncs. For destroying secrets; a torn write leaves them partly destroyed, never intact.
     */
    static void overwriteInPlace(Path target, long offset, byte[] bytes, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate((int) length);
            b.put(bytes, 0, (int) Math.min(bytes.length, length)).clear();
            long pos = offset;
            while (b.hasRemaining()) {
                pos += ch.write(b, pos);
            }
            ch.force(true);
        }
    }

    /** Owner-only permissions where the file system supports them. */
    static void restrict(Path p) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
        } catch (IOException | UnsupportedOperationException e) {
            // FAT vault media have no permissions; the contents are encrypted anyway.
        }
    }
}
