package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A USB HRNG usually presents as a CDC-ACM serial port. Here a pseudo-terminal stands in for
 * it: a Python process writes random bytes (every value, CR, LF, ^C, ^D included) to the pty
 * master; the source opens the slave, which must be set raw or the line discipline would
 * translate and swallow bytes.
 */
@Timeout(60)
class SerialHrngTest {
    @TempDir
    Path dir;

    private static final String PTY_WRITER = String.join("\n",
            "import os, pty, sys, time",
            "m, s = pty.openpty()",
            "data = os.urandom(300000)",
            "open(sys.argv[1], 'wb').write(data)",
            "print(os.ttyname(s), flush=True)",
            "sys.stdin.readline()",  // wait until the reader has set the tty raw
            "view = memoryview(data)",
            "for i in range(0, len(data), 4096):",
            "    os.write(m, view[i:i + 4096])",
            "time.sleep(20)");

    @Test
    void ttyHrng_isSetRawAndDeliversBytesUnchanged() throws Exception {
        Path written = dir.resolve("written.bin");
        Process py = new ProcessBuilder("python3", "-c", PTY_WRITER, written.toString()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(py.getInputStream()));
            Path tty = Path.of(out.readLine().trim());
            assertTrue(EntropySources.isCharacterDevice(tty));
            assertTrue(EntropySources.setRawIfTty(tty), "stty must accept a terminal");
            String settings = new String(new ProcessBuilder("stty", "-F", tty.toString(), "-a").start()
                    .getInputStream().readAllBytes());
            assertTrue(settings.contains("-icanon") && settings.contains("-echo ") && settings.contains("-icrnl"), settings);

            py.getOutputStream().write('\n');
            py.getOutputStream().flush();
            try (HardwareSource src = EntropySources.openHardware(new HrngConfig(tty, 100_000, HealthParameters.DEFAULT))) {
                assertEquals(SourceHealth.HEALTHY, src.health());
                byte[] got = new byte[200_000];
                src.read(got, 0, got.length);
                byte[] data = Files.readAllBytes(written);
                int s = HealthParameters.STARTUP_SAMPLES;
                assertArrayEquals(Arrays.copyOfRange(data, s, s + got.length), got, "raw tty passes every byte unchanged");
            }
        } finally {
            py.destroyForcibly();
            py.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
