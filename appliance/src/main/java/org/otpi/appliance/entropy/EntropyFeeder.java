package org.otpi.appliance.entropy;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Feeds healthy HRNG output into the kernel pool, like rngd: bounded rate, conservative
 * credit, stops for good when the source fails.
 *
 * <p>Credit per chunk: {@code floor(8 * len * creditFraction)} bits, with creditFraction =
 * H / 8 from the assessed min-entropy (H = 4 gives half a bit per bit). Rate: at most
 * {@code maxBytesPerSecond} on average from the start (a token-bucket of one chunk).
 * Stops after {@link #MAX_CONSECUTIVE_IOCTL_FAILURES} refusals in a row.
 *
 * <p>Thread-safe: {@link #run} on one thread; {@link #stats} and {@link #stop} from any.
 */
public final class EntropyFeeder implements Runnable {
    static final int MAX_CONSECUTIVE_IOCTL_FAILURES = 10;

    private final EntropySource source;
    private final KernelEntropyPool pool;
    private final double maxBytesPerSecond;
    private final double creditFraction;
    private final int chunk;
    private final long maxBytes;
    private final AtomicLong read = new AtomicLong();
    private final AtomicLong credited = new AtomicLong();
    private final AtomicLong bits = new AtomicLong();
    private final AtomicLong ioctlFailures = new AtomicLong();
    private final AtomicLong healthFailures = new AtomicLong();
    private volatile boolean running;
    private volatile boolean paused;
    private volatile boolean stopped;

    /**
     * @param maxBytes stop after this many bytes read (0: until stopped or the source fails)
     */
    public EntropyFeeder(EntropySource source, KernelEntropyPool pool, double maxBytesPerSecond,
                         double creditFraction, int chunk, long maxBytes) {
        if (!source.hardware()) {
            throw new IllegalArgumentException("only hardware sources are credited to the kernel");
        }
        if (chunk < 16 || chunk > 4096 || maxBytesPerSecond <= 0 || creditFraction < 0 || creditFraction > 1) {
            throw new IllegalArgumentException("bad feeder parameters");
        }
        this.source = source;
        this.pool = pool;
        this.maxBytesPerSecond = maxBytesPerSecond;
        this.creditFraction = creditFraction;
        this.chunk = chunk;
        this.maxBytes = maxBytes;
    }

    @Override
    public void run() {
        running = true;
        byte[] buf = new byte[chunk];
        long start = System.nanoTime();
        int consecutiveFailures = 0;
        try {
            while (!stopped && (maxBytes == 0 || read.get() < maxBytes)) {
                if (paused) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    start = System.nanoTime() - (long) (read.get() * 1e9 / maxBytesPerSecond); // no burst after a pause
                    continue;
                }
                try {
                    source.read(buf, 0, chunk);
                } catch (SourceFailedException e) {
                    if (!stopped) {
                        healthFailures.incrementAndGet();
                        Logger.tag("security").error("kernel feeding stopped: {}", e.getMessage());
                    }
                    return;
                } catch (IOException e) {
                    Logger.tag("security").error("kernel feeding stopped: {}", e.getMessage());
                    return;
                }
                read.addAndGet(chunk);
                int credit = (int) Math.floor(8.0 * chunk * creditFraction);
                try {
                    pool.addEntropy(buf, 0, chunk, credit);
                    credited.addAndGet(chunk);
                    bits.addAndGet(credit);
                    consecutiveFailures = 0;
                } catch (IOException e) {
                    ioctlFailures.incrementAndGet();
                    Logger.warn("crediting the kernel failed: {}", e.getMessage());
                    if (++consecutiveFailures >= MAX_CONSECUTIVE_IOCTL_FAILURES) {
                        Logger.tag("security").error("kernel feeding stopped after {} failures in a row", consecutiveFailures);
                        return;
                    }
                } finally {
                    Arrays.fill(buf, (byte) 0);
                }
                throttle(start);
            }
        } finally {
            running = false;
        }
    }

    private void throttle(long start) {
        long due = start + (long) (read.get() * 1e9 / maxBytesPerSecond);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                stopped = true;
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Leaves the HRNG to pad generation for a while (the loop stops reading within one chunk). */
    public void pause(boolean pause) {
        paused = pause;
    }

    /** Asks the loop to end after the current chunk (close the source to wake a blocked read). */
    public void stop() {
        stopped = true;
    }

    public FeedStats stats() {
        return new FeedStats(read.get(), credited.get(), bits.get(), ioctlFailures.get(), healthFailures.get(), running);
    }
}
