package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class SimulatedHrngSourceTest {
    private static final HealthParameters P = HealthParameters.DEFAULT;
    @TempDir
    Path dir;
    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();

    private HrngConfig config(Path p) {
        return new HrngConfig(p, 100_000, P);
    }

    /** Reads until the source fails or {@code max} bytes; returns bytes delivered. */
    private static long drain(EntropySource s, long max) {
        byte[] buf = new byte[1000];
        long got = 0;
        try {
            while (got < max) {
                s.read(buf, 0, buf.length);
                got += buf.length;
            }
        } catch (IOException e) {
            assertTrue(e instanceof SourceFailedException, e.toString());
        }
        return got;
    }

    @Test
    void goodFifo_passesStartupAndDeliversTheStreamAfterTheStartupSamples() throws Exception {
        byte[] data = SimulatedHrng.good(11, 1 << 20);
        try (Fifo fifo = Fifo.start(dir, data, false);
             HardwareSource s = EntropySources.openHardware(config(fifo.path), events::add)) {
            assertEquals(SourceHealth.HEALTHY, s.health());
            byte[] out = new byte[100_000];
            s.read(out, 0, out.length);
            int startup = HealthParameters.STARTUP_SAMPLES;
            assertArrayEquals(Arrays.copyOfRange(data, startup, startup + out.length), out,
                    "bytes pass through unchanged once healthy; start-up samples are discarded");
            assertEquals(SourceHealth.HEALTHY, events.get(0).state());
        }
    }

    @Test
    void stuckFifo_cutOffWithinRctCutoff_listenerToldAndNoMoreBytes() throws Exception {
        int s = 20_000;
        byte[] data = SimulatedHrng.stuckAfter(12, s, 200_000, (byte) 0x42);
        try (Fifo fifo = Fifo.start(dir, data, false);
             HardwareSource src = EntropySources.openHardware(config(fifo.path), events::add)) {
            long delivered = drain(src, 1 << 20);
            assertEquals(SourceHealth.FAILED, src.health());
            HealthFailure f = src.failure();
            assertEquals("repetition-count", f.test());
            assertTrue(f.sampleIndex() <= s + P.rctCutoff() - 1, "at " + f.sampleIndex());
            // only whole reads before the failing one are delivered
            assertTrue(HealthParameters.STARTUP_SAMPLES + delivered <= s + P.rctCutoff());
            HealthEvent last = events.get(events.size() - 1);
            assertEquals(SourceHealth.FAILED, last.state());
            assertEquals(f, last.failure());
            assertThrows(SourceFailedException.class, () -> src.read(new byte[1], 0, 1));
        }
    }

    @Test
    void stuckFromTheStart_failsStartup() throws Exception {
        byte[] data = new byte[100_000];
        try (Fifo fifo = Fifo.start(dir, data, false)) {
            SourceFailedException e = assertThrows(SourceFailedException.class,
                    () -> EntropySources.openHardware(config(fifo.path), events::add));
            assertEquals("repetition-count", e.failure().test());
            assertTrue(e.failure().sampleIndex() < P.rctCutoff());
            assertEquals(SourceHealth.FAILED, events.get(0).state());
        }
    }

    @Test
    void biasedFile_cutOffWithinTwoFipsBlocks() throws Exception {
        int s = 30_000;
        Path file = dir.resolve("biased.bin");
        Files.write(file, SimulatedHrng.biasedAfter(13, s, 300_000, 0.60));
        try (HardwareSource src = EntropySources.openHardware(config(file), events::add)) {
            drain(src, 1 << 20);
            HealthFailure f = src.failure();
            assertNotNull(f);
            assertEquals("fips-140-2", f.test());
            assertTrue(f.sampleIndex() < s + 2L * HealthParameters.FIPS_BLOCK_BYTES, "at " + f.sampleIndex());
        }
    }

    @Test
    void repeatingBlockFifo_cutOffWithinPeriodPlus254() throws Exception {
        int s = 50_000;
        int period = 2_048;
        try (Fifo fifo = Fifo.start(dir, SimulatedHrng.repeatingAfter(14, s, period, 300_000), false);
             HardwareSource src = EntropySources.openHardware(config(fifo.path), events::add)) {
            drain(src, 1 << 20);
            HealthFailure f = src.failure();
            assertNotNull(f);
            assertEquals("repeated-window", f.test());
            assertTrue(f.sampleIndex() <= s + period + 254, "at " + f.sampleIndex());
        }
    }

    @Test
    void deviceGone_endOfFifo_failsTheSource() throws Exception {
        try (Fifo fifo = Fifo.start(dir, SimulatedHrng.good(15, 50_000), false);
             HardwareSource src = EntropySources.openHardware(config(fifo.path), events::add)) {
            drain(src, 1 << 20);
            assertEquals(SourceHealth.FAILED, src.health());
            assertEquals("device", src.failure().test());
        }
    }

    @Test
    void regularFileIsNotACharacterDevice_devNullIs() throws Exception {
        Path file = dir.resolve("x");
        Files.write(file, new byte[1]);
        assertFalse(EntropySources.isCharacterDevice(file));
        assertTrue(EntropySources.isCharacterDevice(Path.of("/dev/null")));
        assertFalse(EntropySources.setRawIfTty(Path.of("/dev/null")), "/dev/null is not a tty");
    }

    @Test
    void kernelSource_fillsTheExactRange_bothPaths() throws Exception {
        for (KernelSource k : new KernelSource[] {KernelSource.open(), KernelSource.openGetrandom()}) {
            byte[] b = new byte[1 << 20];
            k.read(b, 1000, b.length - 2000);
            for (int i = 0; i < 1000; i++) {
                assertEquals(0, b[i]);
                assertEquals(0, b[b.length - 1 - i]);
            }
            HealthMonitor m = new HealthMonitor(P);
            assertEquals(null, m.feed(b, 1000, b.length - 2000), "kernel output passes the health tests");
            assertTrue(k.name().startsWith("kernel"));
            k.close();
        }
    }
}
