package org.otpi.kiosk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.kiosk.KioskPairingDisplay;
import org.testfx.api.FxRobot;

/**
 * docs/screens/pairing-WxH.png and backup-WxH.png (tag "screens", only with -Pscreens):
 * {@code ./mvnw -B -o -pl kiosk-ui -Pscreens test -Dtest='PairingScreens*'}.
 */
@Tag("screens")
abstract class PairingScreenshots extends KioskFxTest {

    @Test
    void pairingAndBackup(FxRobot robot) throws Exception {
        Path out = Path.of(System.getProperty("otpi.screens.dir", "target/screens"));
        Files.createDirectories(out);
        unlock(robot);
        KioskPairingDisplay.on(server, Clock.systemUTC()).show("work-laptop", "04718265", Duration.ofMinutes(2));
        waitFor(ui::pairingShowing);
        Thread.sleep(300);
        shot(out, "pairing");
        robot.clickOn("#pairing-hide");
        waitFor(() -> !ui.pairingShowing());

        robot.clickOn("#export");
        waitFor(ui::backupShowing);
        robot.clickOn("#backup-pass").write("correct horse battery");
        robot.clickOn("#backup-repeat").write("correct horse");
        robot.clickOn("#backup-write");
        waitFor(() -> robot.lookup("#backup-message").queryLabeled().getText().contains("do not match"));
        robot.clickOn("#backup-pass").write("correct horse battery");
        robot.clickOn("#backup-repeat").write("correct horse batt");
        Thread.sleep(300);
        shot(out, "backup");
    }
}
