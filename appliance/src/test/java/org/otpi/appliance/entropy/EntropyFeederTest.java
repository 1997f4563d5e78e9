package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** RNDADDENTROPY for real: these tests run as root, as CI does. */
@Timeout(60)
class EntropyFeederTest {
    private static final HealthParameters P = HealthParameters.DEFAULT;
    @TempDir
    Path dir;

    private HardwareSource fileSource(byte[] data) throws IOException {
        Path f = dir.resolve("hrng.bin");
        Files.write(f, data);
        return EntropySources.openHardware(new HrngConfig(f, 1e6, P));
    }

    @Test
    void rndAddEntropy_realIoctlSucceeds() throws Exception {
        try (RandomDevicePool pool = RandomDevicePool.open()) {
            byte[] b = SimulatedHrng.good(1, 512);
            pool.addEntropy(b, 0, 512, 2048); // throws if the kernel refuses (wrong request, no CAP_SYS_ADMIN)
        }
    }

    @Test
    void rndAddEntropy_rejectsOverclaimedCredit() throws Exception {
        try (RandomDevicePool pool = RandomDevicePool.open()) {
            assertThrows(IllegalArgumentException.class, () -> pool.addEntropy(new byte[16], 0, 16, 129));
        }
    }

    @Test
    void feeder_creditsHealthyBytesConservatively_andCountsThem() throws Exception {
        try (HardwareSource src = fileSource(SimulatedHrng.good(2, 200_000));
             RandomDevicePool pool = RandomDevicePool.open()) {
            EntropyFeeder feeder = new EntropyFeeder(src, pool, 10e6, P.creditFraction(), 512, 64 * 1024);
            feeder.run();
            FeedStats s = feeder.stats();
            assertEquals(64 * 1024, s.bytesRead());
            assertEquals(64 * 1024, s.bytesCredited());
            assertEquals(64 * 1024 * 8 / 2, s.bitsCredited(), "H = 4 credits half");
            assertEquals(0, s.ioctlFailures());
            assertEquals(0, s.healthFailures());
            assertFalse(s.running());
        }
    }

    @Test
    void feeder_stopsWhenTheSourceFails() throws Exception {
        int s = 40_000;
        try (Fifo fifo = Fifo.start(dir, SimulatedHrng.stuckAfter(3, s, 400_000, (byte) 7), false);
             HardwareSource src = EntropySources.openHardware(new HrngConfig(fifo.path, 1e6, P));
             RandomDevicePool pool = RandomDevicePool.open()) {
            EntropyFeeder feeder = new EntropyFeeder(src, pool, 10e6, P.creditFraction(), 512, 0);
            feeder.run(); // returns by itself: no byte limit
            FeedStats st = feeder.stats();
            assertEquals(1, st.healthFailures());
            assertEquals(SourceHealth.FAILED, src.health());
            assertTrue(st.bytesCredited() <= s - HealthParameters.STARTUP_SAMPLES,
                    "nothing from the stuck part is credited: " + st.bytesCredited());
            assertEquals(st.bytesRead(), st.bytesCredited());
        }
    }

    @Test
    void feeder_respectsTheRateBound() throws Exception {
        try (HardwareSource src = fileSource(SimulatedHrng.good(4, 100_000));
             RandomDevicePool pool = RandomDevicePool.open()) {
            EntropyFeeder feeder = new EntropyFeeder(src, pool, 100_000, P.creditFraction(), 1000, 50_000);
            long t0 = System.nanoTime();
            feeder.run();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds >= 0.45, "50 kB at 100 kB/s took only " + seconds + " s");
        }
    }

    @Test
    void feeder_pausedReadsNothing_resumes() throws Exception {
        try (HardwareSource src = fileSource(SimulatedHrng.good(6, 200_000));
             RandomDevicePool pool = RandomDevicePool.open()) {
            EntropyFeeder feeder = new EntropyFeeder(src, pool, 1e6, P.creditFraction(), 512, 8192);
            feeder.pause(true);
            Thread t = new Thread(feeder);
            t.start();
            Thread.sleep(300);
            assertEquals(0, feeder.stats().bytesRead());
            assertTrue(feeder.stats().running());
            feeder.pause(false);
            t.join(10_000);
            assertEquals(8192, feeder.stats().bytesCredited());
        }
    }

    @Test
    void cli_feedsAByteCountAndReportsStats() throws Exception {
        Path f = dir.resolve("hrng.bin");
        Files.write(f, SimulatedHrng.good(5, 100_000));
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new EntropyFeedMain());
        cl.setOut(new PrintWriter(out));
        int code = cl.execute("--device", f.toString(), "--rate", "1000000", "--bytes", "8192");
        assertEquals(0, code, out.toString());
        assertTrue(out.toString().contains("credited 8192 bytes (32768 bits), ioctl failures 0, health failures 0"), out.toString());
    }

    @Test
    void cli_refusesASourceThatFailsStartup() throws Exception {
        Path f = dir.resolve("stuck.bin");
        Files.write(f, new byte[100_000]);
        CommandLine cl = new CommandLine(new EntropyFeedMain());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("--device", f.toString()));
        assertTrue(err.toString().contains("repetition-count"), err.toString());
    }
}
