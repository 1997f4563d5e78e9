package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PadGeneratorTest {
    private static final HealthParameters P = HealthParameters.DEFAULT;
    @TempDir
    Path dir;
    private final List<PadProgress> progress = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final PadProgressListener listener = new PadProgressListener() {
        @Override
        public void onProgress(PadProgress p) {
            progress.add(p);
        }

        @Override
        public void onWarning(String message) {
            warnings.add(message);
        }
    };

    private HardwareSource hrng(byte[] data) throws IOException {
        HardwareSource s = new HardwareSource("sim", Channels.newChannel(new java.io.ByteArrayInputStream(data)), P, 1e6);
        s.start();
        return s;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void padIsHrngXorKernel_labelledHrngKernel() throws Exception {
        byte[] data = SimulatedHrng.good(1, 600_000);
        Path out = dir.resolve("pad");
        PadResult r = new PadGenerator(new ConstantKernel(), hrng(data))
                .generate(new PadRequest(500_000, false), new FilePadSink(out), listener, () -> false);
        assertEquals(PadOrigin.HRNG_KERNEL, r.origin());
        assertEquals("hrng+kernel", r.origin().label());
        byte[] pad = Files.readAllBytes(out);
        int s = HealthParameters.STARTUP_SAMPLES;
        // with a kernel of zeros, the pad is exactly the HRNG stream after its start-up samples
        assertArrayEquals(Arrays.copyOfRange(data, s, s + 500_000), pad);
        assertEquals(HexFormat.of().formatHex(pad, 0, 16), r.padIdHex());
        assertTrue(warnings.isEmpty());
        assertEquals(List.of(out), files(), "no temporary file left");
        PadProgress last = progress.get(progress.size() - 1);
        assertEquals(500_000, last.written());
        assertEquals(1.0, last.fraction());
    }

    /** A deterministic stand-in for the kernel that remembers the arrays it was asked to fill. */
    private static final class PatternKernel implements EntropySource {
        private final java.util.SplittableRandom r;
        final List<byte[]> filled = new java.util.concurrent.CopyOnWriteArrayList<>();

        PatternKernel(long seed) {
            r = new java.util.SplittableRandom(seed);
        }

        static byte[] expected(long seed, int n) {
            byte[] b = new byte[n];
            new java.util.SplittableRandom(seed).nextBytes(b);
            return b;
        }

        @Override
        public String name() {
            return "pattern-kernel";
        }

        @Override
        public boolean hardware() {
            return false;
        }

        @Override
        public SourceHealth health() {
            return SourceHealth.HEALTHY;
        }

        @Override
        public synchronized void read(byte[] b, int off, int len) {
            byte[] x = new byte[len];
            r.nextBytes(x);
            System.arraycopy(x, 0, b, off, len);
            if (!filled.contains(b)) {
                filled.add(b);
            }
        }

        @Override
        public double bytesPerSecond() {
            return 1e9;
        }

        @Override
        public void close() {
        }
    }

    /**
     * A sink that breaks the "must not keep b" rule on purpose, to see the buffers after the
     * generator is done with them, and notes the threads that called it.
     */
    private static final class KeepingSink implements PadSink {
        final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        final List<byte[]> buffers = new ArrayList<>();
        final java.util.Set<Thread> threads = new java.util.HashSet<>();
        boolean committed;

        @Override
        public void write(byte[] b, int off, int len) {
            bytes.write(b, off, len);
            if (buffers.stream().noneMatch(x -> x == b)) {
                buffers.add(b);
            }
            threads.add(Thread.currentThread());
        }

        @Override
        public void commit() {
            committed = true;
            threads.add(Thread.currentThread());
        }

        @Override
        public void abort() {
        }
    }

    @Test
    void padIsExactlyHrngXorKernel_acrossChunks_buffersZeroedAfterUse_sinkOnTheCallersThread() throws Exception {
        int size = 3 * PadGenerator.CHUNK + 12_345; // not a whole number of chunks
        byte[] data = SimulatedHrng.good(21, HealthParameters.STARTUP_SAMPLES + size + 100_000);
        PatternKernel kernel = new PatternKernel(77);
        HardwareSource src = new HardwareSource("sim", Channels.newChannel(new java.io.ByteArrayInputStream(data)), P, 1e9);
        src.start();
        KeepingSink sink = new KeepingSink();
        PadResult r = new PadGenerator(kernel, src).generate(new PadRequest(size, true), sink, listener, () -> false);
        assertEquals(PadOrigin.HRNG_KERNEL, r.origin());
        byte[] pad = sink.bytes.toByteArray();
        byte[] k = PatternKernel.expected(77, size);
        int s = HealthParameters.STARTUP_SAMPLES;
        byte[] expected = new byte[size];
        for (int i = 0; i < size; i++) {
            expected[i] = (byte) (data[s + i] ^ k[i]);
        }
        assertArrayEquals(expected, pad, "pad byte = HRNG byte XOR kernel byte, in order");
        assertTrue(sink.committed);
        assertEquals(java.util.Set.of(Thread.currentThread()), sink.threads, "the sink is used by the caller only");
        assertTrue(sink.buffers.size() > 1, "several buffers in flight");
        for (byte[] b : sink.buffers) {
            assertArrayEquals(new byte[b.length], b, "a pad buffer was not zeroed");
        }
        assertEquals(1, kernel.filled.size(), "one kernel buffer");
        assertArrayEquals(new byte[kernel.filled.get(0).length], kernel.filled.get(0), "the kernel buffer was not zeroed");
    }

    @Test
    void kernelOnlyPad_isExactlyTheKernelStream_buffersZeroedAfterUse() throws Exception {
        int size = 2 * PadGenerator.CHUNK + 999;
        PatternKernel kernel = new PatternKernel(78);
        KeepingSink sink = new KeepingSink();
        new PadGenerator(kernel, null).generate(new PadRequest(size, false), sink, listener, () -> false);
        assertArrayEquals(PatternKernel.expected(78, size), sink.bytes.toByteArray());
        for (byte[] b : sink.buffers) {
            assertArrayEquals(new byte[b.length], b, "a pad buffer was not zeroed");
        }
    }

    @Test
    void realKernelIsMixedIn() throws Exception {
        byte[] data = SimulatedHrng.good(2, 300_000);
        Path out = dir.resolve("pad");
        try (KernelSource k = KernelSource.open()) {
            new PadGenerator(k, hrng(data)).generate(new PadRequest(200_000, false), new FilePadSink(out), listener, () -> false);
        }
        byte[] pad = Files.readAllBytes(out);
        int s = HealthParameters.STARTUP_SAMPLES;
        int same = 0;
        for (int i = 0; i < pad.length; i++) {
            if (pad[i] == data[s + i]) {
                same++;
            }
        }
        assertTrue(same < 2000, "pad must differ from the raw HRNG stream (about 1/256 equal), " + same);
    }

    @Test
    void noHrng_kernelOnly_labelledAndWarned() throws Exception {
        try (KernelSource k = KernelSource.open()) {
            PadResult r = new PadGenerator(k, null).generate(new PadRequest(100_000, false),
                    new FilePadSink(dir.resolve("pad")), listener, () -> false);
            assertEquals(PadOrigin.KERNEL, r.origin());
            assertEquals(1, warnings.size());
            assertTrue(warnings.get(0).contains("kernel"));
        }
    }

    @Test
    void failedHrng_isNeverUsed_padIsKernelOnlyAndWarned() throws Exception {
        HardwareSource stuck = new HardwareSource("stuck", Channels.newChannel(new java.io.ByteArrayInputStream(new byte[8192])), P, 1e6);
        assertThrows(SourceFailedException.class, stuck::start);
        Path out = dir.resolve("pad");
        PadResult r = new PadGenerator(new ConstantKernel(), stuck).generate(new PadRequest(10_000, false),
                new FilePadSink(out), listener, () -> false);
        assertEquals(PadOrigin.KERNEL, r.origin());
        assertTrue(warnings.get(0).contains("FAILED"), warnings.toString());
        assertArrayEquals(new byte[10_000], Files.readAllBytes(out), "only the (fake, zero) kernel went in");
    }

    @Test
    void failedHrng_requireHardware_refusesAndLeavesNothing() throws Exception {
        HardwareSource stuck = new HardwareSource("stuck", Channels.newChannel(new java.io.ByteArrayInputStream(new byte[8192])), P, 1e6);
        assertThrows(SourceFailedException.class, stuck::start);
        assertThrows(SourceFailedException.class, () -> new PadGenerator(new ConstantKernel(), stuck)
                .generate(new PadRequest(10_000, true), new FilePadSink(dir.resolve("pad")), listener, () -> false));
        assertEquals(List.of(), files());
    }

    @Test
    void hrngFailsMidway_padAbortedNothingLeft() throws Exception {
        int s = 200_000;
        HardwareSource src = hrng(SimulatedHrng.repeatingAfter(3, s, 3000, 2_000_000));
        SourceFailedException e = assertThrows(SourceFailedException.class, () -> new PadGenerator(new ConstantKernel(), src)
                .generate(new PadRequest(1_000_000, false), new FilePadSink(dir.resolve("pad")), listener, () -> false));
        assertEquals("repeated-window", e.failure().test());
        assertEquals(List.of(), files(), "no pad and no partial file");
        assertTrue(warnings.get(0).contains("discarded"));
    }

    @Test
    void cancel_abortsTheSink() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        try (KernelSource k = KernelSource.open()) {
            assertThrows(CancellationException.class, () -> new PadGenerator(k, null).generate(new PadRequest(10_000_000, false),
                    new FilePadSink(dir.resolve("pad")), listener, () -> polls.incrementAndGet() > 5));
        }
        assertEquals(List.of(), files());
    }

    @Test
    void cancel_whileTheHrngStalls_returnsPromptly() throws Exception {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        byte[] some = SimulatedHrng.good(6, HealthParameters.STARTUP_SAMPLES + 100_000);
        Thread writer = new Thread(() -> {
            try {
                pipe.sink().write(java.nio.ByteBuffer.wrap(some)); // then nothing more: a stalled device
            } catch (IOException ignored) {
                // closed by the test
            }
        });
        writer.start();
        HardwareSource src = new HardwareSource("stalling", pipe.source(), P, 1e6);
        src.start();
        long t0 = System.nanoTime();
        try {
            assertThrows(CancellationException.class, () -> new PadGenerator(new ConstantKernel(), src)
                    .generate(new PadRequest(10_000_000, false), new FilePadSink(dir.resolve("pad")), listener,
                            () -> System.nanoTime() - t0 > 300_000_000L));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 5, "cancel took " + seconds + " s");
            assertEquals(List.of(), files());
        } finally {
            pipe.sink().close();
            src.close();
            writer.join(5000);
        }
    }

    @Test
    void progress_reportsRateAndTimeRemaining() throws Exception {
        // a slow HRNG: 1 MB/s from a throttled stream, so several reports arrive
        byte[] data = SimulatedHrng.good(5, 1_300_000);
        java.io.InputStream slow = new java.io.FilterInputStream(new java.io.ByteArrayInputStream(data)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    Thread.sleep(8); // ~8 KiB per 8 ms
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                return super.read(b, off, Math.min(len, 8192));
            }
        };
        HardwareSource src = new HardwareSource("slow", Channels.newChannel(slow), P, 1e6);
        src.start();
        new PadGenerator(new ConstantKernel(), src).generate(new PadRequest(1_200_000, false),
                new FilePadSink(dir.resolve("pad")), listener, () -> false);
        assertTrue(progress.size() >= 3, "reports: " + progress.size());
        PadProgress mid = progress.get(1);
        assertTrue(mid.written() > 0 && mid.written() < 1_200_000);
        assertTrue(mid.bytesPerSecond() > 20_000 && mid.bytesPerSecond() < 2_000_000, "rate " + mid.bytesPerSecond());
        double expectLeft = (1_200_000 - mid.written()) / mid.bytesPerSecond();
        assertEquals(expectLeft, mid.remaining().toMillis() / 1000.0, 0.01);
        assertFalse(progress.get(progress.size() - 1).remaining().toMillis() > 0);
    }
}
