package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import javafx.scene.control.Label;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.testfx.api.FxRobot;

/**
 * First run against the real device behind the socket: a real {@link Device} and
 * {@link VaultKioskBackend} on temporary directories, the vault made with the production Argon2id
 * cost. The stick is "plugged in" by creating its directory, which the appliance does not announce:
 * the kiosk notices by asking for the status while locked.
 */
class KioskRealDeviceSetupTest extends KioskFxTest {
    private Device device;
    private VaultKioskBackend real;

    @Override
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.empty(Clock.systemUTC(), standing); // unused: the real one serves
    }

    @Override
    KioskBackend serverBackend() {
        device = new Device(dir.resolve("medium"), dir.resolve("state"), VaultPolicy.DEFAULT, Clock.systemUTC());
        real = new VaultKioskBackend(device, standing, null, List::of, List::of);
        return real;
    }

    @AfterEach
    void closeDevice() {
        real.close();
        device.close();
    }

    @Test
    void plugAnEmptyStick_setUpOnTheScreen_thenLockAndUnlockWithTheChosenPin(FxRobot robot) throws Exception {
        waitForConnection();
        waitFor(() -> visible(robot, "#unlock-title")
                && robot.lookup("#unlock-title").queryAs(Label.class).getText().equals("No vault medium"));

        Files.createDirectories(dir.resolve("medium")); // the stick is mounted
        waitFor(ui::setupShowing);
        robot.clickOn("#setup-name").write("alice-pi");
        for (String pin : new String[] {"135790", "135790"}) {
            for (char c : pin.toCharArray()) {
                robot.clickOn("#setup-" + c);
            }
            robot.clickOn("#setup-ok");
        }
        waitFor(device::unlocked);
        waitFor(() -> visible(robot, "#nav-pads"));
        assertTrue(Files.isRegularFile(dir.resolve("medium/vault.hdr")));
        assertEquals("alice-pi", device.deviceId());

        robot.clickOn("#nav-lock");
        waitFor(() -> !device.unlocked());
        waitFor(() -> visible(robot, "#pin-ok"));
        assertFalse(ui.setupShowing(), "a vault exists: unlock, not setup");
        typePin(robot, "135790");
        waitFor(device::unlocked);
        device.lock();
        try (Vault v = Vault.unlock(dir.resolve("medium"), dir.resolve("state"), "135790".toCharArray(),
                VaultPolicy.DEFAULT, Clock.systemUTC())) {
            assertEquals("alice-pi", v.deviceId());
        }
    }
}
