package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.vault.VaultPolicy;

/**
 * How long messages read on the device are kept is a file on the SD card. Whatever happens to it
 * (copied back, cut short, edited, swapped for another device's, a temp file left by a power cut)
 * the device reads a value the screen could have set, or the default: never a crash, never a keep
 * beyond a year.
 */
class KeepOnDeviceSettingTest {

    @Test
    void theSetting_survivesARestart_andBadFilesGiveTheDefault(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("medium");
        Path state = dir.resolve("state");
        Path file = state.resolve(Device.KEEP_FILE);
        try (Device d = new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC())) {
            assertEquals(Device.DEFAULT_KEEP, d.keepOnDevice(), "nothing set yet");
            d.keepOnDevice(Duration.ofMinutes(90));
            assertEquals(Duration.ofMinutes(90), d.keepOnDevice());
            try (Device restarted = new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC())) {
                assertEquals(Duration.ofMinutes(90), restarted.keepOnDevice(), "a restart keeps it");
            }
            d.keepOnDevice(Duration.ZERO);
            assertEquals(Duration.ZERO, d.keepOnDevice(), "0 = until destroyed");

            Files.writeString(state.resolve(Device.KEEP_FILE + ".tmp"), "12"); // a rename the power cut stopped
            assertEquals(Duration.ZERO, d.keepOnDevice(), "a left-over temp file is not the setting");

            for (String bad : new String[] {"", "\n", "9", "abc", "-5\n", "99999999999999999\n", "1e9\n", "\u0000\u0000"}) {
                Files.writeString(file, bad);
                Duration keep = d.keepOnDevice();
                if (bad.equals("9")) {
                    assertEquals(Duration.ofMinutes(9), keep, "cut short to a shorter number: still a value the screen offers");
                } else {
                    assertEquals(Device.DEFAULT_KEEP, keep, "'" + bad + "' gives the default");
                }
            }
            assertThrows(IllegalArgumentException.class, () -> d.keepOnDevice(Duration.ofDays(400)));
            assertThrows(IllegalArgumentException.class, () -> d.keepOnDevice(Duration.ofMinutes(-1)));
        }
    }
}
