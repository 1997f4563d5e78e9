package org.otpi.appliance.entropy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The kernel CSPRNG. {@link #open()} first calls {@code getrandom(2)} with flags 0, which
 * blocks until the pool has been initialised; after that {@code /dev/urandom} gives the same
 * generator's output and is read in bulk (faster from Java than getrandom through JNA, whose
 * heap-array copies cost ~30%). {@link #openGetrandom()} reads through getrandom only.
 * Not health-tested: it is a conditioned DRBG, and its failures are the kernel's to report.
 * Thread-safe.
 */
public final class KernelSource implements EntropySource {
    private static final int MAX_CALL = 32 << 20;

    interface LibC extends Library {
        NativeLong getrandom(ByteBuffer buf, NativeLong len, int flags) throws LastErrorException;
    }

    private final LibC libc;
    private final FileChannel urandom;
    private volatile boolean closed;
    private final long opened = System.nanoTime();
    private long delivered;

    private KernelSource(LibC libc, FileChannel urandom) {
        this.libc = libc;
        this.urandom = urandom;
    }

    /** Waits (once, through getrandom) for the pool to be initialised, then reads /dev/urandom. */
    public static KernelSource open() throws IOException {
        try (KernelSource probe = openGetrandom()) {
            probe.read(new byte[16], 0, 16);
        } catch (UnsatisfiedLinkError | LastErrorException e) {
            // no getrandom in this libc: /dev/urandom alone (kernels before 3.17)
        }
        return openUrandom();
    }

    /** Reads through getrandom(2) only. */
    public static KernelSource openGetrandom() {
        return new KernelSource(Native.load("c", LibC.class), null);
    }

    /** Reads /dev/urandom directly (the baseline the benchmark compares against). */
    public static KernelSource openUrandom() throws IOException {
        return new KernelSource(null, FileChannel.open(Path.of("/dev/urandom"), StandardOpenOption.READ));
    }

    @Override
    public void read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new SourceFailedException("kernel source closed", null);
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        if (libc != null) {
            while (buf.hasRemaining()) {
                int n = Math.min(buf.remaining(), MAX_CALL);
                long got;
                try {
                    got = libc.getrandom(buf.slice().limit(n), new NativeLong(n), 0).longValue();
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == 4) { // EINTR
                        continue;
                    }
                    throw new IOException("getrandom failed: errno " + e.getErrorCode());
                }
                buf.position(buf.position() + (int) got);
            }
        } else {
            while (buf.hasRemaining()) {
                if (urandom.read(buf) < 0) {
                    throw new IOException("/dev/urandom ended");
                }
            }
        }
        synchronized (this) {
            delivered += len;
        }
    }

    @Override
    public String name() {
        return libc != null ? "kernel:getrandom" : "kernel:/dev/urandom";
    }

    @Override
    public boolean hardware() {
        return false;
    }

    @Override
    public SourceHealth health() {
        return closed ? SourceHealth.CLOSED : SourceHealth.HEALTHY;
    }

    @Override
    public synchronized double bytesPerSecond() {
        long elapsed = System.nanoTime() - opened;
        return elapsed > 0 ? delivered * 1e9 / elapsed : 0;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (urandom != null) {
            urandom.close();
        }
    }

    @Override
    public String toString() {
        return "KernelSource[" + name() + "]";
    }
}
