package org.otpi.appliance.entropy;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-appliance entropy-feed}: credits a hardware RNG to the kernel pool, like rngd.
 *
 * <p>Exit codes: 0 done (byte limit reached or stopped), 2 the source could not be opened or
 * failed its start-up tests, 3 the source failed while feeding, 4 the kernel refused.
 */
@Command(name = "entropy-feed", mixinStandardHelpOptions = true,
        description = "Feed a health-tested hardware RNG into the kernel entropy pool (RNDADDENTROPY).")
public final class EntropyFeedMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--device", description = "HRNG device, FIFO or file (default: ${DEFAULT-VALUE})")
    Path device = HrngConfig.OTPI_HRNG;

    @Option(names = "--rate", description = "maximum bytes per second fed to the kernel (default: ${DEFAULT-VALUE})")
    double rate = 16_384;

    @Option(names = "--expected-rate", description = "nominal device rate, bytes per second (default: ${DEFAULT-VALUE})")
    double expectedRate = 50_000;

    @Option(names = "--min-entropy", description = "assessed min-entropy, bits per byte (default: ${DEFAULT-VALUE})")
    double minEntropy = HealthParameters.DEFAULT.minEntropyBitsPerByte();

    @Option(names = "--chunk", description = "bytes per ioctl, 16..4096 (default: ${DEFAULT-VALUE})")
    int chunk = 512;

    @Option(names = "--bytes", description = "stop after this many bytes (default: run until stopped)")
    long maxBytes = 0;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HealthParameters params = new HealthParameters(HealthParameters.DEFAULT.alphaLog2(), minEntropy);
        HardwareSource source;
        try {
            source = EntropySources.openHardware(new HrngConfig(device, expectedRate, params));
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("entropy-feed: cannot use " + device + ": " + e.getMessage());
            return 2;
        }
        try (source; KernelEntropyPool pool = RandomDevicePool.open()) {
            EntropyFeeder feeder = new EntropyFeeder(source, pool, rate, params.creditFraction(), chunk, maxBytes);
            Thread hook = new Thread(() -> {
                feeder.stop();
                try {
                    source.close();
                } catch (java.io.IOException ignored) {
                    // exiting
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("feeding %s -> /dev/random at <= %.0f B/s, crediting %.3f bits per bit%n",
                    device, rate, params.creditFraction());
            out.flush();
            feeder.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // shutting down already
            }
            FeedStats s = feeder.stats();
            out.printf("read %d bytes, credited %d bytes (%d bits), ioctl failures %d, health failures %d%n",
                    s.bytesRead(), s.bytesCredited(), s.bitsCredited(), s.ioctlFailures(), s.healthFailures());
            out.flush();
            if (s.healthFailures() > 0) {
                return 3;
            }
            return s.ioctlFailures() >= EntropyFeeder.MAX_CONSECUTIVE_IOCTL_FAILURES ? 4 : 0;
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new EntropyFeedMain()).execute(args));
    }
}
