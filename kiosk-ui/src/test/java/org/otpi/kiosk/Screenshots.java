package org.otpi.kiosk;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;

/**
 * Writes every screen to docs/screens/NAME-WxH.png, rendered by Monocle headless:
 * {@code ./mvnw -B -o -pl kiosk-ui -am -Pscreens test -Dsurefire.failIfNoSpecifiedTests=false}.
 * Not part of the default run (tag "screens").
 */
@Tag("screens")
abstract class Screenshots extends KioskFxTest {

    @Test
    void everyScreen(FxRobot robot) throws Exception {
        Path out = Path.of(System.getProperty("otpi.screens.dir", "target/screens"));
        Files.createDirectories(out);
        waitForConnection();
        shot(out, "unlock");
        typePin(robot, "0000");
        waitFor(() -> robot.lookup("#unlock-message").queryLabeled().getText().contains("Wrong PIN"));
        shot(out, "unlock-wrong-pin");
        Thread.sleep(2100);
        typePin(robot, "1234");
        waitFor(backend::isUnlocked);
        waitFor(() -> visible(robot, "#pad-alice"));
        shot(out, "pads");

        robot.clickOn("#generate-contact").write("dave");
        backend.setGenerationChunkDelayMillis(300);
        robot.clickOn("#size-16");
        robot.clickOn("#generate");
        waitFor(() -> robot.lookup("#generate-text").queryLabeled().getText().contains(" of "));
        Thread.sleep(700);
        shot(out, "pads-generating");
        robot.clickOn("#generate-cancel");

        backend.grantStanding("alice", 10 << 10, Duration.ofMinutes(15));
        robot.clickOn("#nav-standing");
        approver.request(backend.sealRequest("s1", "laptop", "alice", 2000, Duration.ofSeconds(30)));
        waitFor(() -> robot.lookup("#grant-text-alice").tryQueryAs(javafx.scene.control.Label.class)
                .map(l -> l.getText().startsWith("alice: 8.0 KiB")).orElse(false));
        shot(out, "standing");

        backend.logEvent("replay", "bob", "package index 1200 was opened before: possible replay, dropped");
        backend.logEvent("skip", "alice", "package index 9000 skips 512 bytes: packages may be missing");
        backend.forgery("carol", 4711);
        backend.logEvent("health", "", "/dev/otpi-hrng failed the repetition-count test: source cut off");
        robot.clickOn("#nav-log");
        waitFor(() -> ui.logEntriesShown() >= 5);
        shot(out, "log");

        robot.clickOn("#nav-status");
        waitFor(() -> visible(robot, "#status-device"));
        shot(out, "status");

        robot.clickOn("#nav-pads");
        approver.request(backend.sealRequest("r1", "alice-laptop", "bob", 140, Duration.ofSeconds(30)));
        waitFor(ui::approvalShowing);
        Thread.sleep(300);
        shot(out, "approve");
        robot.clickOn("#deny");
        waitFor(() -> !ui.approvalShowing());

        backend.lock();
        backend.alarm("tamper", "Case opened: vault locked, keys wiped from memory");
        waitFor(() -> visible(robot, "#alarm") && visible(robot, "#pin-ok"));
        shot(out, "alarm");
    }
}
