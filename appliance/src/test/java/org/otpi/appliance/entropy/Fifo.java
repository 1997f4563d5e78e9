package org.otpi.appliance.entropy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/** A named pipe written by a background thread: the simulated USB HRNG. */
final class Fifo implements AutoCloseable {
    final Path path;
    private final Thread writer;
    private volatile boolean stop;

    private Fifo(Path path, byte[] data, boolean loop) {
        this.path = path;
        this.writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(path)) {
                do {
                    for (int i = 0; i < data.length && !stop; i += 4096) {
                        out.write(data, i, Math.min(4096, data.length - i));
                    }
                } while (loop && !stop);
            } catch (IOException e) {
                // reader went away (EPIPE): the simulated device is unplugged
            }
        }, "fifo-writer");
        writer.setDaemon(true);
    }

    /** Creates the FIFO with mkfifo and starts a writer that writes {@code data} once (or forever). */
    static Fifo start(Path dir, byte[] data, boolean loop) throws IOException, InterruptedException {
        Path p = dir.resolve("hrng.fifo");
        Process mk = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        if (!mk.waitFor(10, TimeUnit.SECONDS) || mk.exitValue() != 0) {
            throw new IOException("mkfifo failed");
        }
        Fifo f = new Fifo(p, data, loop);
        f.writer.start();
        return f;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        stop = true;
        // Unblock a writer still waiting in open() for a reader. O_RDWR on a FIFO never blocks
        // (Linux), so this cannot itself wait for a writer that has just gone: a plain read-only
        // open did, and hung the test run when the writer exited between isAlive() and open().
        if (writer.isAlive()) {
            try (FileChannel ignored = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                writer.join(2000);
            } catch (IOException ignored2) {
                // the FIFO is gone: nothing to unblock
            }
        }
        writer.join(5000);
        Files.deleteIfExists(path);
    }
}
