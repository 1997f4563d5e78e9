package org.otpi.bench;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.entropy.EntropySource;
import org.otpi.appliance.entropy.EntropySources;
import org.otpi.appliance.entropy.FilePadSink;
import org.otpi.appliance.entropy.HardwareSource;
import org.otpi.appliance.entropy.HealthMonitor;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.entropy.HrngConfig;
import org.otpi.appliance.entropy.KernelSource;
import org.otpi.appliance.entropy.PadGenerator;
import org.otpi.appliance.entropy.PadProgressListener;
import org.otpi.appliance.entropy.PadRequest;
import org.otpi.appliance.entropy.SourceHealth;

/**
 * Pad generation throughput against baselines measured in the same run.
 *
 * <pre>
 * ./mvnw -q -B -o -pl bench -am package -DskipTests
 * java -cp "bench/target/classes:bench/target/lib/*" org.otpi.bench.EntropyBench [MiB] [dir]
 * bench/run EntropyBench health [MiB]     # the health-tests-alone figure only (seconds, not minutes)
 * </pre>
 * Baselines: {@code dd if=/dev/urandom of=FILE bs=1M conv=fsync} and raw /dev/urandom reads
 * in Java. Figures: the health tests alone; pad generation into a fsync'd file with the kernel
 * source alone, with a fast simulated HRNG (health tests on, and off for the overhead), with
 * the HRNG read from a FIFO fed by another thread (the device read path); and into an
 * encrypted vault, next to the vault's own write path fed from memory (its ceiling).
 * Each figure is the best of three runs. Two columns: wall-clock MB/s, and MB per CPU-second
 * of this process (dd: user+sys) which holds up better on a shared, noisy machine.
 */
public final class EntropyBench {
    private static final int RUNS = 3;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("health")) {
            healthOnlyFigure(args.length > 1 ? Integer.parseInt(args[1]) : 256);
            return;
        }
        int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        Path dir = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("otpi-entropy-bench");
        long bytes = (long) mib << 20;
        System.out.printf("EntropyBench: %d MiB per run, best of %d, in %s, %s%n", mib, RUNS, dir, Runtime.version());

        Figure dd = best(() -> ddUrandom(dir, mib));
        Figure rawUrandom = best(() -> rawRead(KernelSource.openUrandom(), bytes));
        Figure rawGetrandom = best(() -> rawRead(KernelSource.openGetrandom(), bytes));
        healthOnly(64L << 20); // warm-up: let the JIT compile the tests before they are timed
        Figure healthFull = best(() -> healthOnly(bytes));
        Figure padKernel = best(() -> generate(dir, bytes, null));
        Figure padSimTested = best(() -> generate(dir, bytes, testedSimulatedHrng()));
        Figure padSimUntested = best(() -> generate(dir, bytes, new UntestedSource(new FastChannel(7))));
        Figure padFifo = best(() -> generateFromFifo(dir, bytes));
        Figure vaultWrite;
        Figure vaultKernel;
        Figure vaultSim;
        try (org.otpi.appliance.vault.Vault vault = org.otpi.appliance.vault.Vault.create(dir.resolve("medium"),
                dir.resolve("state"), "bench", "bench-pin".toCharArray(), new org.otpi.appliance.crypto.Argon2id(8192, 1, 1),
                org.otpi.appliance.vault.VaultPolicy.DEFAULT)) {
            vaultWrite = best(() -> vaultWriteOnly(vault, bytes));
            vaultKernel = best(() -> intoVault(vault, bytes, null));
            vaultSim = best(() -> intoVault(vault, bytes, testedSimulatedHrng()));
        }

        System.out.println();
        row("baseline: dd if=/dev/urandom bs=1M conv=fsync", dd, dd);
        row("baseline: raw /dev/urandom reads (Java)", rawUrandom, dd);
        row("kernel source: getrandom(2) reads", rawGetrandom, dd);
        row("health tests alone (RCT+APT+repeat+FIPS)", healthFull, dd);
        row("pad, kernel only -> file + fsync", padKernel, dd);
        row("pad, fast sim. HRNG XOR kernel, health ON", padSimTested, dd);
        row("pad, fast sim. HRNG XOR kernel, health OFF", padSimUntested, dd);
        row("pad, HRNG from a FIFO XOR kernel, health ON", padFifo, dd);
        row("vault write path alone (pad bytes from memory)", vaultWrite, dd);
        row("pad, kernel only -> vault (encrypted, fsync)", vaultKernel, dd);
        row("pad, sim. HRNG XOR kernel, health ON -> vault", vaultSim, dd);
        System.out.printf("%nhealth tests alone: %.0f MB/s (aim >= 1000)%n", healthFull.wall());
        System.out.printf("health tests ON/OFF, pad generation: wall %.2f, cpu %.2f%n",
                padSimTested.wall() / padSimUntested.wall(), padSimTested.cpu() / padSimUntested.cpu());
        System.out.printf("pad generation vs dd baseline (wall): kernel only %.2fx, HRNG+kernel %.2fx, HRNG via FIFO %.2fx"
                + " (aim >= 0.8x)%n", padKernel.wall() / dd.wall(), padSimTested.wall() / dd.wall(), padFifo.wall() / dd.wall());
        System.out.printf("into the vault vs dd baseline (wall): kernel only %.2fx, HRNG+kernel %.2fx (aim >= 0.8x);"
                + " vault write path alone %.2fx%n", vaultKernel.wall() / dd.wall(), vaultSim.wall() / dd.wall(),
                vaultWrite.wall() / dd.wall());
        System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
    }

    /** Only the "health tests alone" row: warm-up, best of three, the same figure as in the full run. */
    private static void healthOnlyFigure(int mib) throws Exception {
        System.out.printf("EntropyBench health: %d MiB per run, best of %d, %s%n", mib, RUNS, Runtime.version());
        healthOnly(64L << 20);
        Figure f = best(() -> healthOnly((long) mib << 20));
        System.out.printf("health tests alone (RCT+APT+repeat+FIPS) %7.1f MB/s | %7.1f MB/cpu-s (%.2f ns/B of CPU)%n",
                f.wall(), f.cpu(), 1000 / f.cpu());
        System.out.printf("load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
    }

    /** One measurement: wall-clock MB/s and MB per CPU-second (robust on a shared machine). */
    record Figure(double wall, double cpu) {
    }

    interface Run {
        Figure measure() throws Exception;
    }

    private static Figure best(Run r) throws Exception {
        double wall = 0;
        double cpu = 0;
        for (int i = 0; i < RUNS; i++) {
            Figure f = r.measure();
            wall = Math.max(wall, f.wall());
            cpu = Math.max(cpu, f.cpu());
        }
        return new Figure(wall, cpu);
    }

    private static void row(String what, Figure f, Figure dd) {
        System.out.printf("%-46s %7.1f MB/s %5.2fx | %7.1f MB/cpu-s %5.2fx%n", what, f.wall(), f.wall() / dd.wall(),
                f.cpu(), f.cpu() / dd.cpu());
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Wall and CPU figures for {@code bytes} since (wall t0, cpu c0). */
    private static Figure fig(long bytes, long t0, long c0) {
        double wall = (System.nanoTime() - t0) / 1e9;
        double cpu = (cpuNanos() - c0) / 1e9;
        return new Figure(bytes / 1e6 / wall, bytes / 1e6 / cpu);
    }

    /** dd under bash's time builtin, for its user+sys CPU seconds. */
    private static Figure ddUrandom(Path dir, int mib) throws Exception {
        Path out = dir.resolve("dd.bin");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%3U %3S'; time dd if=/dev/urandom of='" + out
                + "' bs=1M count=" + mib + " conv=fsync 2>/dev/null").start();
        String times = new String(p.getErrorStream().readAllBytes()).trim();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("dd failed: " + times);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        String[] us = times.split("\\s+");
        double cpu = Double.parseDouble(us[us.length - 2]) + Double.parseDouble(us[us.length - 1]);
        Files.delete(out);
        long bytes = (long) mib << 20;
        return new Figure(bytes / 1e6 / wall, bytes / 1e6 / cpu);
    }

    private static Figure rawRead(EntropySource s, long bytes) throws IOException {
        try (s) {
            byte[] buf = new byte[64 * 1024];
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            for (long done = 0; done < bytes; done += buf.length) {
                s.read(buf, 0, buf.length);
            }
            return fig(bytes, t0, c0);
        }
    }

    /**
     * The health tests alone over 32 MiB of fresh data in the pad generator's read size, a new
     * monitor per pass (a pass repeats the last).
     */
    private static Figure healthOnly(long bytes) throws IOException {
        byte[] data = new byte[32 << 20];
        new FastChannel(3).read(ByteBuffer.wrap(data));
        int chunk = 256 * 1024;
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        for (long done = 0; done < bytes; ) {
            HealthMonitor m = new HealthMonitor(HealthParameters.DEFAULT);
            for (int off = 0; off < data.length && done < bytes; off += chunk, done += chunk) {
                if (m.feed(data, off, chunk) != null) {
                    throw new IllegalStateException("health test failed on good data: " + m.failure());
                }
            }
        }
        return fig(bytes, t0, c0);
    }

    private static HardwareSource testedSimulatedHrng() throws IOException {
        HardwareSource h = new HardwareSource("sim-fast", new FastChannel(5), HealthParameters.DEFAULT, 1e9);
        h.start();
        return h;
    }

    private static Figure generate(Path dir, long bytes, EntropySource hrng) throws IOException {
        Path out = dir.resolve("pad.bin");
        try (KernelSource k = KernelSource.open()) {
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            new PadGenerator(k, hrng).generate(new PadRequest(bytes, hrng != null), new FilePadSink(out),
                    PadProgressListener.NONE, () -> false);
            Figure r = fig(bytes, t0, c0);
            Files.delete(out);
            return r;
        } finally {
            if (hrng != null) {
                hrng.close();
            }
        }
    }

    /**
     * The HRNG read through its real path: a FIFO (as in emulation; a character device reads the
     * same way) fed by a writer thread with fast simulated output, opened and start-up tested by
     * {@link EntropySources#openHardware}.
     */
    private static Figure generateFromFifo(Path dir, long bytes) throws Exception {
        Path fifo = dir.resolve("hrng.fifo");
        Files.deleteIfExists(fifo);
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).start();
        if (mk.waitFor() != 0) {
            throw new IOException("mkfifo failed");
        }
        Thread writer = new Thread(() -> {
            byte[] buf = new byte[1 << 20];
            FastChannel r = new FastChannel(11);
            try (FileChannel out = FileChannel.open(fifo, StandardOpenOption.WRITE)) {
                while (true) {
                    ByteBuffer b = ByteBuffer.wrap(buf);
                    r.read(b);
                    b.flip();
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
            } catch (IOException e) {
                // the reader closed the FIFO: done
            }
        }, "bench-fifo-writer");
        writer.setDaemon(true);
        writer.start();
        HardwareSource h = EntropySources.openHardware(new HrngConfig(fifo, 1e9, HealthParameters.DEFAULT));
        try {
            return generate(dir, bytes, h);
        } finally {
            writer.join(5000);
            Files.deleteIfExists(fifo);
        }
    }

    private static int vaultRun;

    /** The vault's write path alone: pad bytes from memory straight into a new pad (encryption, writes, fsync). */
    private static Figure vaultWriteOnly(org.otpi.appliance.vault.Vault vault, long bytes) throws Exception {
        String contact = "bench-" + (++vaultRun);
        byte[] buf = new byte[256 * 1024];
        new FastChannel(100 + vaultRun).read(ByteBuffer.wrap(buf)); // a fresh pad id each run
        long t0 = System.nanoTime();
        long c0 = cpuNanos();
        org.otpi.appliance.entropy.PadSink sink = org.otpi.appliance.device.VaultPads.sink(vault, contact, "peer", bytes, "kernel");
        for (long done = 0; done < bytes; ) {
            int n = (int) Math.min(buf.length, bytes - done);
            sink.write(buf, 0, n);
            done += n;
        }
        sink.commit();
        Figure r = fig(bytes, t0, c0);
        vault.deletePad(contact);
        return r;
    }

    /** Pad generation written straight into an encrypted vault, as on the device. */
    private static Figure intoVault(org.otpi.appliance.vault.Vault vault, long bytes, EntropySource hrng) throws Exception {
        String contact = "bench-" + (++vaultRun);
        try (KernelSource k = KernelSource.open()) {
            long t0 = System.nanoTime();
            long c0 = cpuNanos();
            new PadGenerator(k, hrng).generate(new PadRequest(bytes, hrng != null),
                    org.otpi.appliance.device.VaultPads.sink(vault, contact, "peer", bytes, hrng == null ? "kernel" : "hrng+kernel"),
                    PadProgressListener.NONE, () -> false);
            Figure r = fig(bytes, t0, c0);
            vault.deletePad(contact);
            return r;
        } finally {
            if (hrng != null) {
                hrng.close();
            }
        }
    }

    /** A fast simulated HRNG: SplittableRandom output (statistically good, ~GB/s). */
    static final class FastChannel implements ReadableByteChannel {
        private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
        private final SplittableRandom r;
        private boolean open = true;

        FastChannel(long seed) {
            r = new SplittableRandom(seed);
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = dst.remaining();
            if (dst.hasArray()) {
                byte[] a = dst.array();
                int off = dst.arrayOffset() + dst.position();
                int i = 0;
                for (; i + 8 <= n; i += 8) {
                    LONGS.set(a, off + i, r.nextLong());
                }
                for (; i < n; i++) {
                    a[off + i] = (byte) r.nextInt();
                }
                dst.position(dst.position() + n);
            } else {
                for (int i = 0; i < n; i++) {
                    dst.put((byte) r.nextInt());
                }
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    /** The same fast HRNG without any health test: only for the overhead figure. */
    static final class UntestedSource implements EntropySource {
        private final FastChannel ch;

        UntestedSource(FastChannel ch) {
            this.ch = ch;
        }

        @Override
        public String name() {
            return "sim-fast-untested";
        }

        @Override
        public boolean hardware() {
            return true;
        }

        @Override
        public SourceHealth health() {
            return SourceHealth.HEALTHY;
        }

        @Override
        public void read(byte[] b, int off, int len) {
            ch.read(ByteBuffer.wrap(b, off, len));
        }

        @Override
        public double bytesPerSecond() {
            return 1e9;
        }

        @Override
        public void close() {
            ch.close();
        }
    }

    private EntropyBench() {
    }

}
