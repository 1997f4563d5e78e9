package org.otpi.bridge.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The client's files in its home: private (0600 files, 0700 directories), written durably.
 * "Durably" means fsync'd, with the directory entry fsync'd for new files, so a crash or a power
 * cut right after cannot lose what the client then tells the device or the relay it has.
 */
final class PrivateFiles {
    private static final FileAttribute<Set<PosixFilePermission>> FILE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> DIR =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private PrivateFiles() {
    }

    /** Creates {@code dir} (and parents) mode 700 if missing. */
    static Path dir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, DIR);
            syncDir(dir.toAbsolutePath().getParent());
        }
        return dir;
    }

    /** Replaces {@code target} with {@code data}: a private temp file, fsync, atomic rename, dir fsync. */
    static void writeAtomically(Path target, byte[] data) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDir(target.toAbsolutePath().getParent());
    }

    /** Appends {@code data} to {@code file} (created private if missing) and fsyncs it. */
    static void appendDurably(Path file, byte[] data) throws IOException {
        boolean created = false;
        if (!Files.exists(file)) {
            try {
                Files.createFile(file, FILE);
                created = true;
            } catch (FileAlreadyExistsException raced) {
                // another process created it: append to it
            }
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        if (created) {
            syncDir(file.toAbsolutePath().getParent());
        }
    }

    /** Fsyncs a directory so a new or renamed entry in it survives a crash (best effort off Linux). */
    static void syncDir(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // not every platform can open a directory; the file itself was fsync'd
        }
    }
}
