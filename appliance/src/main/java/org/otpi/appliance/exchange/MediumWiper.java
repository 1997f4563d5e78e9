package org.otpi.appliance.exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Wipes transfer packages off the medium: overwrite with zeros, fsync, delete, fsync the
 * directory. Only files the exchange made (name prefix {@link InPersonExchange#FILE_PREFIX})
 * are touched; the person's other files stay.
 *
 * <p>Limit: flash media remap blocks, so an overwrite may leave old blocks readable to a
 * forensic reader of the chip. The package was encrypted under a one-time code that is gone
 * by then, which is what actually protects it.
 */
public final class MediumWiper {
    private MediumWiper() {
    }

    /** Returns how many files were wiped. */
    public static int wipe(Path medium) throws IOException {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(medium, InPersonExchange.FILE_PREFIX + "*")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    overwrite(p);
                    Files.delete(p);
                    n++;
                }
            }
        }
        try (FileChannel d = FileChannel.open(medium, StandardOpenOption.READ)) {
            d.force(true);
        }
        return n;
    }

    static void overwrite(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
            for (long pos = 0; pos < size; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), size - pos));
                pos += ch.write(zeros, pos);
            }
            ch.force(true);
        }
    }
}
