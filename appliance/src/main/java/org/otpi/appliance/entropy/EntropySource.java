package org.otpi.appliance.entropy;

import java.io.Closeable;
import java.io.IOException;

/**
 * A source of random bytes: the USB HRNG, {@code /dev/hwrng}, or the kernel CSPRNG.
 *
 * <p>{@link #read} fills the whole range or throws; a hardware source throws
 * {@link SourceFailedException} once it is not {@link SourceHealth#HEALTHY}, and bytes that
 * failed a health test are never handed out. Thread-safe.
 */
public interface EntropySource extends Closeable {

    /** A short label for logs and the screen, never secret. */
    String name();

    /** True for a physical noise source (health-tested, may be credited to the kernel). */
    boolean hardware();

    SourceHealth health();

    /** Fills {@code b[off, off+len)}; blocks until it can. */
    void read(byte[] b, int off, int len) throws IOException;

    /** Bytes per second this source has delivered so far, or its configured expectation. */
    double bytesPerSecond();
}
