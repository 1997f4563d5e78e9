package org.otpi.appliance.entropy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
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
 * <p>Pipeline, so reading, testing and writing overlap (the sink, e.g. the vault's encryption
 * and fsync, is usually the slowest part):
 * <pre>
 *   free buffers -> [hrng thread: read the HRNG, health tests inline]
 *                -> [kernel thread: read the kernel, XOR it in, zero the kernel buffer]
 *                -> [caller: sink.write, zero the buffer] -> free buffers
 * </pre>
 * Without an HRNG the kernel thread reads the kernel straight into the buffer. Queues are
 * bounded by the buffers: {@link Pipeline#DEPTH} pad buffers of up to {@link #CHUNK} bytes and
 * one kernel buffer (1.25 MiB), smaller chunks for a slow source so cancel answers within about
 * a quarter of a second. Every buffer is zeroed after use and all of them at the end. The XOR
 * is a plain byte loop: C2 compiles it to 32-byte vector instructions (it measured several
 * times faster than XORing longs through a VarHandle). Pad bytes go only to the sink.
 * Thread-safe if the sources are; one generation per call; the sink is used by the caller only.
 */
public final class PadGenerator {
    static final int CHUNK = 256 * 1024;
    /** Below this many bytes the rate shown is the device's, not yet measured. */
    private static final int EARLY_BYTES = 256 * 1024;
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
        int chunk = chunkFor(hw != null ? hw : kernel);
        Pipeline pipe = new Pipeline(hw, kernel, chunk, request.size());
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
                if (done == 0) {
                    System.arraycopy(a, 0, padId, 0, 16);
                }
                sink.write(a, 0, n);
                pipe.recycle(a, n);
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
            if (!committed) {
                sink.abort();
            }
        }
        Logger.tag("security").info("pad of {} bytes generated, origin {}", total, origin.label());
        return new PadResult(total, origin, HexFormat.of().formatHex(padId));
    }

    /** {@link #CHUNK}, or a quarter of a second of a slow source (so cancelling answers quickly). */
    static int chunkFor(EntropySource p) {
        double rate = p.bytesPerSecond();
        if (rate <= 0 || rate >= 4.0 * CHUNK) {
            return CHUNK;
        }
        return (int) Math.max(4096, Math.min(CHUNK, rate / 4)) & ~15;
    }

    /**
     * The reading threads and the buffers they hand along. Bounded memory; the first error is
     * handed to the consumer; {@link #stop} waits for the threads and zeroes every buffer.
     */
    private static final class Pipeline {
        static final int DEPTH = 4;
        static final long STOP_WAIT_NANOS = 2_000_000_000L;
        private static final byte[] END = new byte[0];
        private final long total;
        private final int chunk;
        private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH + 1);
        private final BlockingQueue<byte[]> tested = new ArrayBlockingQueue<>(DEPTH + 1);
        private final BlockingQueue<byte[]> mixed = new ArrayBlockingQueue<>(DEPTH + 1);
        private final byte[][] all = new byte[DEPTH][];
        private final byte[] kernelBuffer;
        private final List<Thread> threads = new ArrayList<>();
        private final String hardwareName;
        private volatile boolean stopped;
        private final AtomicReference<IOException> error = new AtomicReference<>();

        /** @param hw the health-tested HRNG, or null for a kernel-only pad */
        Pipeline(EntropySource hw, EntropySource kernel, int chunk, long total) {
            this.total = total;
            this.chunk = chunk;
            for (int i = 0; i < DEPTH; i++) {
                all[i] = new byte[chunk];
                free.add(all[i]);
            }
            hardwareName = hw != null ? hw.name() : null;
            if (hw != null) {
                kernelBuffer = new byte[chunk];
                threads.add(stage("pad-hrng-" + hw.name(), free, tested, (b, n) -> hw.read(b, 0, n)));
                threads.add(stage("pad-kernel", tested, mixed, (b, n) -> {
                    kernel.read(kernelBuffer, 0, n);
                    for (int i = 0; i < n; i++) { // vectorised by C2
                        b[i] ^= kernelBuffer[i];
                    }
                    Arrays.fill(kernelBuffer, 0, n, (byte) 0);
                }));
            } else {
                kernelBuffer = null;
                threads.add(stage("pad-kernel", free, mixed, (b, n) -> kernel.read(b, 0, n)));
            }
        }

        interface Work {
            void fill(byte[] b, int n) throws IOException;
        }

        /**
         * A thread that takes buffers from {@code in}, works on them and passes them to
         * {@code out}, {@code total} bytes in all, then passes END; on an error or END from
         * upstream it passes END at once.
         */
        private Thread stage(String name, BlockingQueue<byte[]> in, BlockingQueue<byte[]> out, Work work) {
            Thread t = new Thread(() -> {
                try {
                    for (long done = 0; done < total && !stopped; ) {
                        byte[] b = in.take();
                        if (b == END || stopped) {
                            break;
                        }
                        int n = (int) Math.min(chunk, total - done);
                        work.fill(b, n);
                        if (stopped) {
                            Arrays.fill(b, (byte) 0); // a source that answered after stop()
                            break;
                        }
                        done += n;
                        out.put(b);
                    }
                } catch (IOException e) {
                    error.compareAndSet(null, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    out.offer(END); // room is always left for it: DEPTH buffers, DEPTH + 1 places
                }
            }, name);
            t.setDaemon(true);
            return t;
        }

        void start() {
            threads.forEach(Thread::start);
        }

        /** The next pad buffer; notices cancellation even while a stalled source delivers nothing. */
        byte[] take(BooleanSupplier cancelled) throws IOException {
            byte[] b;
            try {
                while ((b = mixed.poll(100, TimeUnit.MILLISECONDS)) == null) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException("pad generation cancelled");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("pad generation interrupted");
            }
            if (b == END) {
                IOException e = error.get();
                throw e != null ? e : new IOException("entropy producer ended early");
            }
            return b;
        }

        /** Zeroes the first {@code n} bytes of a written buffer and hands it back to the readers. */
        void recycle(byte[] b, int n) {
            Arrays.fill(b, 0, n, (byte) 0);
            free.offer(b);
        }

        /**
         * Stops the threads after their current read and waits for them (at most
         * {@link #STOP_WAIT_NANOS}: a stalled device may never return from read; its thread
         * then zeroes its buffer itself when it does), and zeroes all buffers.
         */
        void stop() {
            stopped = true;
            free.offer(END); // wake threads waiting for a buffer
            tested.offer(END);
            boolean interrupted = false;
            long deadline = System.nanoTime() + STOP_WAIT_NANOS;
            for (Thread t : threads) {
                while (t.isAlive()) {
                    if (System.nanoTime() > deadline) {
                        Logger.warn("entropy source {} is not answering; leaving its reader behind", hardwareName);
                        break;
                    }
                    mixed.clear(); // make room so a thread blocked in put() can finish
                    tested.clear();
                    tested.offer(END);
                    try {
                        t.join(50);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            for (byte[] b : all) {
                Arrays.fill(b, (byte) 0);
            }
            if (kernelBuffer != null) {
                Arrays.fill(kernelBuffer, (byte) 0);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static PadProgress progress(long done, long total, long start, long now, EntropySource hw) {
        double elapsed = (now - start) / 1e9;
        double rate = elapsed > 0 ? done / elapsed : 0;
        if (done < EARLY_BYTES && hw != null) {
            rate = hw.bytesPerSecond(); // too early to measure: the device's nominal rate
        }
        long left = total - done;
        Duration remaining = rate > 0 ? Duration.ofMillis((long) (left * 1000 / rate)) : Duration.ZERO;
        return new PadProgress(done, total, rate, remaining);
    }
}
