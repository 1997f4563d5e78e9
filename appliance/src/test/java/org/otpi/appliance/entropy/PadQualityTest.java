package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated pads through the standard tools: rngtest (FIPS 140-2, Debian rng-tools5) and ent
 * (Debian ent). CI installs both (.ci/apt-packages).
 */
@Timeout(120)
class PadQualityTest {
    private static final int SIZE = 4 << 20; // 1677 FIPS blocks
    @TempDir
    Path dir;

    private static String run(Path input, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectInput(input.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String(out);
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no match for " + regex + " in:\n" + text);
        return Long.parseLong(m.group(1));
    }

    private void assertPassesRngtestAndEnt(Path pad) throws Exception {
        String rng = run(pad, "rngtest");
        long ok = number(rng, "FIPS 140-2 successes: (\\d+)");
        long failed = number(rng, "FIPS 140-2 failures: (\\d+)");
        // rngtest keeps the first 32 bits for its continuous test
        assertEquals((SIZE * 8L - 32) / 20000, ok + failed, rng);
        // a perfect source fails about 0.08% of blocks: ~1.3 expected here; 8 or more is < 1e-4
        assertTrue(failed < 8, "rngtest failures: " + failed + "\n" + rng);

        String ent = run(pad, "ent");
        Matcher m = Pattern.compile("Entropy = ([0-9.]+) bits per byte").matcher(ent);
        assertTrue(m.find(), ent);
        double entropy = Double.parseDouble(m.group(1));
        assertTrue(entropy > 7.99, "ent entropy " + entropy);
    }

    @Test
    void hrngKernelPad_passesRngtestAndEnt() throws Exception {
        Path hrngFile = dir.resolve("hrng.bin");
        Files.write(hrngFile, SimulatedHrng.good(77, SIZE + 8192));
        Path pad = dir.resolve("pad");
        try (KernelSource k = KernelSource.open();
             HardwareSource h = EntropySources.openHardware(HrngConfig.of(hrngFile))) {
            PadResult r = new PadGenerator(k, h).generate(new PadRequest(SIZE, true), new FilePadSink(pad),
                    PadProgressListener.NONE, () -> false);
            assertEquals(PadOrigin.HRNG_KERNEL, r.origin());
        }
        assertPassesRngtestAndEnt(pad);
    }

    @Test
    void kernelOnlyPad_passesRngtestAndEnt() throws Exception {
        Path pad = dir.resolve("pad");
        try (KernelSource k = KernelSource.open()) {
            new PadGenerator(k, null).generate(new PadRequest(SIZE, false), new FilePadSink(pad), PadProgressListener.NONE, () -> false);
        }
        assertPassesRngtestAndEnt(pad);
    }

    @Test
    void toolsCanFail_aBiasedFileIsRejectedByBoth() throws Exception {
        Path bad = dir.resolve("bad");
        Files.write(bad, SimulatedHrng.biasedAfter(3, 0, SIZE, 0.6));
        String rng = run(bad, "rngtest");
        assertTrue(number(rng, "FIPS 140-2 failures: (\\d+)") > 1000, rng);
        Matcher m = Pattern.compile("Entropy = ([0-9.]+) bits per byte").matcher(run(bad, "ent"));
        assertTrue(m.find());
        assertTrue(Double.parseDouble(m.group(1)) < 7.99);
    }
}
