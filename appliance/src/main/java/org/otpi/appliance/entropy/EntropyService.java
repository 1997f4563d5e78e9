package org.otpi.appliance.entropy;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.tinylog.Logger;

/**
 * The daemon's one handle on entropy: the kernel source, the first hardware source that
 * opens and passes its start-up tests, the kernel feeder, and pad generation.
 *
 * <p>The feeder pauses while a pad is generated, so the HRNG's (scarce) output goes to the
 * pad. A failed or unplugged HRNG stays cut off until {@link #reopenHardware()} (call it on
 * a udev "add" event, or when the person asks to retry).
 *
 * <p>Thread-safe.
 */
public final class EntropyService implements Closeable {

    /**
     * @param hardwareCandidates tried in order; a missing path is skipped (default: the USB HRNG, then /dev/hwrng)
     * @param expectedBytesPerSecond the HRNG's nominal rate
     * @param health health-test parameters
     * @param feedKernel whether to credit healthy HRNG output to the kernel
     * @param feedBytesPerSecond the feeder's rate bound
     */
    public record Config(List<Path> hardwareCandidates, double expectedBytesPerSecond, HealthParameters health,
                         boolean feedKernel, double feedBytesPerSecond) {
        public static Config defaults() {
            return new Config(List.of(HrngConfig.OTPI_HRNG, HrngConfig.HWRNG), 50_000, HealthParameters.DEFAULT, true, 16_384);
        }
    }

    private final Config config;
    private final HealthListener listener;
    private final KernelSource kernel;
    private HardwareSource hardware;
    private EntropyFeeder feeder;
    private Thread feederThread;
    private KernelEntropyPool pool;

    private EntropyService(Config config, HealthListener listener, KernelSource kernel) {
        this.config = config;
        this.listener = listener;
        this.kernel = kernel;
    }

    /** Opens the kernel source and the first healthy hardware source, and starts feeding. */
    public static EntropyService start(Config config, HealthListener listener) throws IOException {
        EntropyService s = new EntropyService(config, listener, KernelSource.open());
        s.reopenHardware();
        return s;
    }

    /**
     * Closes the current hardware source (if any) and opens the first candidate that passes
     * its start-up tests. Returns whether a healthy hardware source is now open.
     */
    public synchronized boolean reopenHardware() throws IOException {
        stopHardware();
        for (Path p : config.hardwareCandidates()) {
            if (!Files.exists(p)) {
                continue;
            }
            try {
                hardware = EntropySources.openHardware(new HrngConfig(p, config.expectedBytesPerSecond(), config.health()), listener);
                break;
            } catch (IOException e) {
                Logger.tag("security").warn("hardware RNG {} not usable: {}", p, e.getMessage());
            }
        }
        if (hardware == null) {
            Logger.tag("security").warn("no healthy hardware RNG: pads will be kernel-only and marked so");
            return false;
        }
        if (config.feedKernel()) {
            try {
                pool = RandomDevicePool.open();
                feeder = new EntropyFeeder(hardware, pool, config.feedBytesPerSecond(), config.health().creditFraction(), 512, 0);
                feederThread = new Thread(feeder, "entropy-feed");
                feederThread.setDaemon(true);
                feederThread.start();
            } catch (IOException e) {
                Logger.warn("cannot feed the kernel pool: {}", e.getMessage());
            }
        }
        return true;
    }

    private void stopHardware() throws IOException {
        if (feeder != null) {
            feeder.stop();
        }
        if (hardware != null) {
            hardware.close(); // wakes a feeder blocked in read
        }
        if (feederThread != null) {
            try {
                feederThread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (pool != null) {
            pool.close();
        }
        hardware = null;
        feeder = null;
        feederThread = null;
        pool = null;
    }

    /**
     * Generates a pad from the current sources into {@code sink}; see {@link PadGenerator}.
     * The kernel feeder is paused meanwhile.
     */
    public PadResult generatePad(PadRequest request, PadSink sink, PadProgressListener progress,
                                 BooleanSupplier cancelled) throws IOException, CancellationException {
        HardwareSource hw;
        EntropyFeeder f;
        synchronized (this) {
            hw = hardware;
            f = feeder;
        }
        if (f != null) {
            f.pause(true);
        }
        try {
            return new PadGenerator(kernel, hw).generate(request, sink, progress, cancelled);
        } finally {
            if (f != null) {
                f.pause(false);
            }
        }
    }

    public synchronized EntropyStatus status() {
        HardwareSource hw = hardware;
        return new EntropyStatus(hw == null ? null : hw.name(), hw == null ? null : hw.health(),
                hw == null ? null : hw.failure(),
                hw != null && hw.health() == SourceHealth.HEALTHY ? PadOrigin.HRNG_KERNEL : PadOrigin.KERNEL,
                feeder == null ? null : feeder.stats());
    }

    @Override
    public synchronized void close() throws IOException {
        stopHardware();
        kernel.close();
    }
}
