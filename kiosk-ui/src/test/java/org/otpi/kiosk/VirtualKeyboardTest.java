package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The device launcher turns on JavaFX's on-screen keyboard; emulation in a window does not; and
 * {@code -Dcom.sun.javafx.virtualKeyboard=none} still turns it off. Each case is a fresh JVM
 * rendering with Monocle headless, since the toolkit reads these settings once.
 */
class VirtualKeyboardTest {

    @Test
    void fullScreenDevice_showsTheOnScreenKeyboardUnderAFocusedTextField() throws Exception {
        assertEquals("supported=true keyboard=true", probe(List.of(), List.of("--socket=/run/otpi/kiosk.sock")));
    }

    @Test
    void emulationInAWindow_leavesItOff() throws Exception {
        assertEquals("supported=false keyboard=false", probe(List.of(), List.of("--window=800x480")));
    }

    @Test
    void anExplicitNone_winsOverTheDeviceDefault() throws Exception {
        assertEquals("supported=false keyboard=false", probe(List.of("-Dcom.sun.javafx.virtualKeyboard=none"), List.of()));
    }

    private static String probe(List<String> jvmOptions, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true",
                "-Dglass.platform=Monocle", "-Dmonocle.platform=Headless", "-Dprism.order=sw"));
        cmd.addAll(jvmOptions);
        cmd.add(VirtualKeyboardProbe.class.getName());
        cmd.addAll(args);
        Path log = java.nio.file.Files.createTempFile("otpi-vk-probe", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished within 60 s");
            String out = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
            return out.lines().filter(l -> l.startsWith("supported=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no answer from the probe:\n" + out));
        } finally {
            p.destroyForcibly();
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
