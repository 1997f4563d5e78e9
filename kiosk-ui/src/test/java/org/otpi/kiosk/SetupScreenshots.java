package org.otpi.kiosk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.testfx.api.FxRobot;

/**
 * docs/screens/setup-WxH.png (tag "screens", only with -Pscreens):
 * {@code ./mvnw -B -o -pl kiosk-ui -Pscreens test -Dtest='SetupScreens*'}.
 */
@Tag("screens")
abstract class SetupScreenshots extends KioskFxTest {

    @Override
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.empty(Clock.systemUTC(), standing);
    }

    @Test
    void setup(FxRobot robot) throws Exception {
        Path out = Path.of(System.getProperty("otpi.screens.dir", "target/screens"));
        Files.createDirectories(out);
        waitForConnection();
        waitFor(ui::setupShowing);
        robot.clickOn("#setup-name").write("alice-pi");
        for (char c : "2468".toCharArray()) {
            robot.clickOn("#setup-" + c);
        }
        robot.clickOn("#setup-ok");
        for (char c : "24".toCharArray()) {
            robot.clickOn("#setup-" + c);
        }
        Thread.sleep(300);
        shot(out, "setup");
    }
}
