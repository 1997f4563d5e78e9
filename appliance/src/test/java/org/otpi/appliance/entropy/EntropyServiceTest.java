package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class EntropyServiceTest {
    @TempDir
    Path dir;
    private final List<HealthEvent> events = new CopyOnWriteArrayList<>();

    private EntropyService.Config config(Path... candidates) {
        return new EntropyService.Config(List.of(candidates), 1e6, HealthParameters.DEFAULT, true, 1e6);
    }

    private static void waitFor(java.util.function.BooleanSupplier cond) throws InterruptedException {
        for (int i = 0; i < 200 && !cond.getAsBoolean(); i++) {
            Thread.sleep(25);
        }
    }

    @Test
    void picksTheFirstHealthyCandidate_feedsTheKernel_makesHrngPads() throws Exception {
        Path stuck = dir.resolve("stuck");
        Files.write(stuck, new byte[20_000]);
        Path good = dir.resolve("good");
        Files.write(good, SimulatedHrng.good(1, 4 << 20));
        try (EntropyService s = EntropyService.start(config(dir.resolve("missing"), stuck, good), events::add)) {
            EntropyStatus st = s.status();
            assertEquals("hrng:" + good, st.hardware());
            assertEquals(SourceHealth.HEALTHY, st.hardwareHealth());
            assertEquals(PadOrigin.HRNG_KERNEL, st.padOrigin());
            assertEquals(SourceHealth.FAILED, events.get(0).state(), "the stuck candidate was tried and reported");
            waitFor(() -> s.status().feed().bytesCredited() > 0);
            assertTrue(s.status().feed().bytesCredited() > 0, "the kernel was fed");
            PadResult r = s.generatePad(new PadRequest(100_000, true), new FilePadSink(dir.resolve("pad")),
                    PadProgressListener.NONE, () -> false);
            assertEquals(PadOrigin.HRNG_KERNEL, r.origin());
        }
    }

    @Test
    void hrngFailure_isShown_padsBecomeKernel_untilReopened() throws Exception {
        Path dev = dir.resolve("hrng");
        Files.write(dev, SimulatedHrng.stuckAfter(2, 60_000, 200_000, (byte) 1));
        try (EntropyService s = EntropyService.start(config(dev), events::add)) {
            waitFor(() -> s.status().hardwareHealth() == SourceHealth.FAILED && !s.status().feed().running());
            EntropyStatus st = s.status();
            assertEquals(SourceHealth.FAILED, st.hardwareHealth());
            assertEquals("repetition-count", st.failure().test());
            assertEquals(PadOrigin.KERNEL, st.padOrigin());
            assertEquals(1, st.feed().healthFailures());
            assertFalse(st.feed().running(), "the feeder stopped");
            List<String> warnings = new ArrayList<>();
            PadResult r = s.generatePad(new PadRequest(10_000, false), new FilePadSink(dir.resolve("pad")),
                    new PadProgressListener() {
                        @Override
                        public void onProgress(PadProgress p) {
                        }

                        @Override
                        public void onWarning(String message) {
                            warnings.add(message);
                        }
                    }, () -> false);
            assertEquals(PadOrigin.KERNEL, r.origin());
            assertEquals(1, warnings.size());

            Files.write(dev, SimulatedHrng.good(3, 1 << 20)); // the person replugs a working device
            assertTrue(s.reopenHardware());
            assertEquals(SourceHealth.HEALTHY, s.status().hardwareHealth());
            assertEquals(PadOrigin.HRNG_KERNEL, s.status().padOrigin());
        }
    }

    @Test
    void noHardware_kernelOnly() throws Exception {
        try (EntropyService s = EntropyService.start(config(dir.resolve("none")), events::add)) {
            EntropyStatus st = s.status();
            assertNull(st.hardware());
            assertNull(st.feed());
            assertEquals(PadOrigin.KERNEL, st.padOrigin());
        }
    }
}
