package org.otpi.appliance.entropy;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * Makes a pad: every byte is HRNG output XOR kernel CSPRNG output, so the pad is at least as
 * good as the better of the two. Without a healthy HRNG the pad is kernel-only, labelled
 * {@link PadOrigin#KERNEL}, and the person is warned (or, if they asked, refused).
 *
 * <p>If the HRNG fails a health test during generation the whole pad is aborted: the bytes
 * read before the failure showed may be bad, and the label would no longer be honest. The
 * person may then start again, kernel-only and warned. Cancelling also aborts the sink.
 *
 * <p>Memory: four buffers of at most 64 KiB (three in the pipeline, one for the kernel),
 * zeroed when done. Pad bytes go only to the sink.
 * Thread-safe if the sources are; one generation per call.
 */
public final class PadGenerator {
    static final int CHUNK = 64 * 1024;
    private static final long PROGRESS_NANOS = 250_000_000L;

    private final EntropySource kernel;
    private final EntropySource hrng;

    /**
     * @param kernel the kernel CSPRNG, always used
     * @param hrng the hardware source, or null if none is plugged in
     */
    public PadGenerator(EntropySource kernel, EntropySource hrng) {
        if (kernel.hardware()) {
            throw new IllegalArgumentException("the kernel source must be the kernel CSPRNG");
        }
        this.kernel = kernel;
        this.hrng = hrng;
    }

    /** The origin a pad made now would have. */
    public PadOrigin currentOrigin() {
        return hrng != null && hrng.health() == SourceHealth.HEALTHY ? PadOrigin.HRNG_KERNEL : PadOrigin.KERNEL;
    }

    /**
     * Generates a pad into {@code sink} and commits it.
     *
     * @throws CancellationException if {@code cancelled} turned true (the sink was aborted)
     * @throws SourceFailedException if the HRNG failed meanwhile, or none is healthy and the
     *     request requires one (the sink was aborted)
     * @throws IOException if the sink or the kernel failed (the sink was aborted)
     */
    public PadResult generate(PadRequest request, PadSink sink, PadProgressListener progress,
                              BooleanSupplier cancelled) throws IOException {
        PadOrigin origin = currentOrigin();
        EntropySource hw = origin == PadOrigin.HRNG_KERNEL ? hrng : null;
        if (hw == null) {
            String why = hrng == null ? "no hardware RNG is connected" : "the hardware RNG " + hrng.name() + " is " + hrng.health();
            if (request.requireHardware()) {
                sink.abort();
                throw new SourceFailedException("refusing to make a pad: " + why, null);
            }
            String warning = "This pad is made from the kernel's generator only: " + why + ".";
            Logger.tag("security").warn("pad generation: {}", warning);
            progress.onWarning(warning);
        }
        // Pipeline: a producer thread reads stream P (the HRNG, health-tested; or the kernel
        // when there is no HRNG) into a few buffers; this thread reads stream Q (the kernel, if
        // P is the HRNG), XORs, and writes the sink. Pad bytes never leave these buffers, which
        // are zeroed at the end.
        EntropySource p = hw != null ? hw : kernel;
        EntropySource q = hw != null ? kernel : null;
        int chunk = chunkFor(p);
        Pipeline pipe = new Pipeline(p, chunk, request.size());
        byte[] mix = new byte[chunk];
        byte[] padId = new byte[16];
        long total = request.size();
        long done = 0;
        long start = System.nanoTime();
        long lastReport = start;
        boolean committed = false;
        pipe.start();
        try {
            while (done < total) {
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("pad generation cancelled");
                }
                byte[] a = pipe.take(cancelled);
                int n = (int) Math.min(chunk, total - done);
                if (q != null) {
                    q.read(mix, 0, n);
                    for (int i = 0; i < n; i++) {
                        a[i] ^= mix[i];
                    }
                }
                if (done == 0) {
                    System.arraycopy(a, 0, padId, 0, 16);
                }
                sink.write(a, 0, n);
                pipe.recycle(a);
                done += n;
                long now = System.nanoTime();
                if (now - lastReport >= PROGRESS_NANOS || done == total) {
                    lastReport = now;
                    progress.onProgress(progress(done, total, start, now, hw));
                }
            }
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("pad generation cancelled");
            }
            sink.commit();
            committed = true;
        } catch (SourceFailedException e) {
            Logger.tag("security").error("pad generation aborted, nothing kept: {}", e.getMessage());
            progress.onWarning("An entropy source failed; the pad was discarded. " + e.getMessage());
            throw e;
        } finally {
            pipe.stop();
            Arrays.fill(mix, (byte) 0);
            if (!committed) {
                sink.abort();
            }
        }
        Logger.tag("security").info("pad of {} bytes generated, origin {}", total, origin.label());
        return new PadResult(total, origin, HexFormat.of().formatHex(padId));
    }

    /** 64 KiB, or a quarter of a second of a slow source (so cancelling answers quickly). */
    static int chunkFor(EntropySource p) {
        double rate = p.bytesPerSecond();
        if (rate <= 0 || rate >= 4 * CHUNK) {
            return CHUNK;
        }
        return (int) Math.max(4096, Math.min(CHUNK, rate / 4)) & ~15;
    }

    /**
     * One producer thread and a ring of {@link #DEPTH} buffers. Bounded memory; errors are
     * handed to the consumer in order; {@link #stop} waits for the producer and zeroes every
     * buffer.
     */
    private static final class Pipeline implements Runnable {
        static final int DEPTH = 3;
        static final long STOP_WAIT_NANOS = 2_000_000_000L;
        private static final byte[] END = new byte[0];
        private final EntropySource source;
        private final int chunk;
        private final long total;
        private final java.util.concurrent.BlockingQueue<byte[]> free = new java.util.concurrent.ArrayBlockingQueue<>(DEPTH);
        private final java.util.concurrent.BlockingQueue<byte[]> full = new java.util.concurrent.ArrayBlockingQueue<>(DEPTH + 1);
        private final byte[][] all = new byte[DEPTH][];
        private final Thread thread;
        private volatile boolean stopped;
        private volatile IOException error;

        Pipeline(EntropySource source, int chunk, long total) {
            this.source = source;
            this.chunk = chunk;
            this.total = total;
            for (int i = 0; i < DEPTH; i++) {
                all[i] = new byte[chunk];
                free.add(all[i]);
            }
            thread = new Thread(this, "pad-entropy-" + source.name());
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        @Override
        public void run() {
            try {
                for (long read = 0; read < total && !stopped; ) {
                    byte[] b = free.take();
                    if (stopped) {
                        break;
                    }
                    int n = (int) Math.min(chunk, total - read);
                    source.read(b, 0, n);
                    if (stopped) {
                        Arrays.fill(b, (byte) 0);
                        break;
                    }
                    read += n;
                    full.put(b);
                }
            } catch (IOException e) {
                error = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                full.offer(END);
            }
        }

        /** The next filled buffer; notices cancellation even while a stalled source delivers nothing. */
        byte[] take(BooleanSupplier cancelled) throws IOException {
            byte[] b;
            try {
                while ((b = full.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS)) == null) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("pad generation cancelled");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("pad generation interrupted");
            }
            if (b == END) {
                IOException e = error;
                throw e != null ? e : new IOException("entropy producer ended early");
            }
            return b;
        }

        void recycle(byte[] b) {
            free.offer(b);
        }

        /**
         * Stops the producer after its current read and waits for it (at most
         * {@link #STOP_WAIT_NANOS}: a stalled device may never return from read; the producer
         * then zeroes its buffer itself when it does), and zeroes all buffers.
         */
        void stop() {
            stopped = true;
            free.offer(new byte[0]); // wake a producer waiting for a buffer
            boolean interrupted = false;
            long deadline = System.nanoTime() + STOP_WAIT_NANOS;
            while (thread.isAlive()) {
                if (System.nanoTime() > deadline) {
                    Logger.warn("entropy source {} is not answering; leaving its reader behind", source.name());
                    break;
                }
                full.clear(); // make room so a producer blocked in put() can finish
                try {
                    thread.join(50);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            for (byte[] b : all) {
                Arrays.fill(b, (byte) 0);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static PadProgress progress(long done, long total, long start, long now, EntropySource hw) {
        double elapsed = (now - start) / 1e9;
        double rate = elapsed > 0 ? done / elapsed : 0;
        if (done < 4 * CHUNK && hw != null) {
            rate = hw.bytesPerSecond(); // too early to measure: the device's nominal rate
        }
        long left = total - done;
        Duration remaining = rate > 0 ? Duration.ofMillis((long) (left * 1000 / rate)) : Duration.ZERO;
        return new PadProgress(done, total, rate, remaining);
    }
}
