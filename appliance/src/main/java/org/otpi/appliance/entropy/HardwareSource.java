package org.otpi.appliance.entropy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.tinylog.Logger;

/**
 * A health-tested hardware noise source read from a byte channel (a character device, a
 * FIFO or a file).
 *
 * <p>Start-up: {@link #start()} reads {@link HealthParameters#STARTUP_SAMPLES} bytes through
 * every test and discards them; only then is the source {@link SourceHealth#HEALTHY}.
 * Continuous: every later byte passes the tests before {@link #read} returns it. A range in
 * which a test fails is zeroed and not returned, the source goes {@link SourceHealth#FAILED}
 * for good, the failure is logged on the {@code security} tag and listeners are told.
 *
 * <p>Limit: a test needs some samples to see a fault (the promised bounds are in
 * {@link HealthParameters}); bytes read before the fault became visible may already have
 * been handed out. Pads XOR them with kernel output, so they never stand alone.
 *
 * <p>Thread-safe: reads are serialised.
 */
public final class HardwareSource implements EntropySource {
    private final String name;
    private final ReadableByteChannel in;
    private final HealthMonitor monitor;
    private final double expectedRate;
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private volatile SourceHealth health = SourceHealth.STARTING;
    private volatile HealthFailure failure;
    private volatile long delivered;
    private volatile long firstReadNanos;

    /**
     * @param expectedRate bytes per second the device should deliver (for time estimates
     *     until it has been measured)
     */
    public HardwareSource(String name, ReadableByteChannel in, HealthParameters parameters, double expectedRate) {
        this(name, in, new HealthMonitor(parameters, name), expectedRate);
    }

    HardwareSource(String name, ReadableByteChannel in, HealthMonitor monitor, double expectedRate) {
        this.name = name;
        this.in = in;
        this.monitor = monitor;
        this.expectedRate = expectedRate;
    }

    public void addListener(HealthListener listener) {
        listeners.add(listener);
    }

    /** Runs the start-up tests. Returns normally only if the source is now healthy. */
    public synchronized void start() throws IOException {
        if (health != SourceHealth.STARTING) {
            throw new IllegalStateException("already started: " + health);
        }
        byte[] startup = new byte[HealthParameters.STARTUP_SAMPLES];
        try {
            readTested(startup, 0, startup.length);
        } finally {
            Arrays.fill(startup, (byte) 0);
        }
        health = SourceHealth.HEALTHY;
        Logger.tag("security").info("entropy source {} passed start-up tests on {} samples (RCT cut-off {}, APT cut-off {}/{}, H={} bits/byte)",
                name, startup.length, monitor.parameters().rctCutoff(), monitor.parameters().aptCutoff(),
                HealthParameters.APT_WINDOW, monitor.parameters().minEntropyBitsPerByte());
        notifyListeners(new HealthEvent(name, SourceHealth.HEALTHY, null, Instant.now()));
    }

    @Override
    public synchronized void read(byte[] b, int off, int len) throws IOException {
        if (health != SourceHealth.HEALTHY) {
            throw new SourceFailedException("entropy source " + name + " is " + health, failure);
        }
        if (firstReadNanos == 0) {
            firstReadNanos = System.nanoTime();
        }
        readTested(b, off, len);
        delivered = delivered + len; // only under the lock
    }

    private void readTested(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        try {
            while (buf.hasRemaining()) {
                if (in.read(buf) < 0) {
                    throw new EOFException("end of stream");
                }
            }
        } catch (IOException e) {
            Arrays.fill(b, off, off + len, (byte) 0);
            fail(new HealthFailure("device", "read failed: " + e.getMessage(), monitor.samples()));
            throw new SourceFailedException("entropy source " + name + " failed: " + e.getMessage(), failure);
        }
        HealthFailure f = monitor.feed(b, off, len);
        if (f != null) {
            Arrays.fill(b, off, off + len, (byte) 0);
            fail(f);
            throw new SourceFailedException("entropy source " + name + " failed " + f.test() + ": " + f.detail(), f);
        }
    }

    private void fail(HealthFailure f) {
        if (health == SourceHealth.FAILED || health == SourceHealth.CLOSED) {
            return;
        }
        failure = f;
        health = SourceHealth.FAILED;
        monitor.flushSummary();
        Logger.tag("security").error("entropy source {} CUT OFF: {} test failed at sample {}: {}",
                name, f.test(), f.sampleIndex(), f.detail());
        try {
            in.close();
        } catch (IOException ignored) {
            // already failing
        }
        notifyListeners(new HealthEvent(name, SourceHealth.FAILED, f, Instant.now()));
    }

    private void notifyListeners(HealthEvent e) {
        for (HealthListener l : listeners) {
            try {
                l.onHealthChange(e);
            } catch (RuntimeException ex) {
                Logger.warn(ex, "health listener threw");
            }
        }
    }

    /** The failure that cut this source off, or null. */
    public HealthFailure failure() {
        return failure;
    }

    public HealthMonitor monitor() {
        return monitor;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hardware() {
        return true;
    }

    @Override
    public SourceHealth health() {
        return health;
    }

    @Override
    public double bytesPerSecond() { // not synchronized: a reader may be blocked in read()
        long elapsed = System.nanoTime() - firstReadNanos;
        if (firstReadNanos == 0 || delivered < 65536 || elapsed <= 0) {
            return expectedRate;
        }
        return delivered * 1e9 / elapsed;
    }

    /** Closes the channel; a thread blocked in {@link #read} is woken with an error. */
    @Override
    public void close() throws IOException {
        if (health != SourceHealth.FAILED) {
            health = SourceHealth.CLOSED;
            monitor.flushSummary();
        }
        in.close();
    }

    @Override
    public String toString() {
        return "HardwareSource[" + name + ", " + health + "]";
    }
}
