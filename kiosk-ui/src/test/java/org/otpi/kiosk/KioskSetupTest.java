package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.testfx.api.FxRobot;

/** First run on the screen: an empty medium shows the setup screen instead of the PIN pad. */
class KioskSetupTest extends KioskFxTest {

    @Override
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.empty(Clock.systemUTC(), standing);
    }

    @Test
    void anEmptyMedium_showsSetup_refusesAMismatchAndAShortPin_thenCreatesAndShowsTheUnlockedScreens(FxRobot robot) {
        waitForConnection();
        waitFor(ui::setupShowing);
        assertFalse(visible(robot, "#pin-ok"), "no unlock pad: there is nothing to unlock");
        Label message = robot.lookup("#setup-message").queryAs(Label.class);
        Label step = robot.lookup("#setup-step").queryAs(Label.class);

        // no name yet
        typeSetupPin(robot, "2468");
        waitForText(message, "name");
        robot.clickOn("#setup-name").write("alice-pi");

        // too short
        for (int i = 0; i < 4; i++) { // the digits typed before the name are still there
            robot.clickOn("#setup-back");
        }
        typeSetupPin(robot, "123");
        waitForText(message, "at least 4");
        assertTrue(step.getText().startsWith("Choose"), step.getText());

        // two different PINs
        typeSetupPin(robot, "2468");
        waitForText(step, "again");
        assertEquals(" ", robot.lookup("#setup-dots").queryAs(Label.class).getText(), "the first entry is not shown");
        typeSetupPin(robot, "2469");
        waitForText(message, "do not match");
        assertTrue(step.getText().startsWith("Choose"), "back to the first entry");
        assertFalse(backend.hasVault(), "nothing reaches the appliance before both checks pass");

        // the same PIN twice
        typeSetupPin(robot, "24680");
        waitForText(step, "again");
        typeSetupPin(robot, "24680");
        waitFor(backend::isUnlocked);
        assertTrue(backend.hasVault());
        assertEquals("alice-pi", backend.deviceId());
        waitFor(() -> visible(robot, "#nav-pads"));
        waitFor(() -> !ui.setupShowing());

        // the PIN chosen on the screen is the one that unlocks
        robot.clickOn("#nav-lock");
        waitFor(() -> !backend.isUnlocked());
        waitFor(() -> visible(robot, "#pin-ok"));
        assertFalse(ui.setupShowing(), "a vault exists now: the unlock pad, not setup");
        typePin(robot, "24680");
        waitFor(backend::isUnlocked);
        robot.clickOn("#nav-status");
        waitFor(() -> robot.lookup("#status-vault").tryQuery().map(n -> ((Label) n).getText().equals("Unlocked")).orElse(false));
        assertEquals("alice-pi", robot.lookup("#status-device").queryAs(Label.class).getText());
    }

    @Test
    void aRefusalFromTheAppliance_isShown_andSetupCanBeTriedAgain(FxRobot robot) {
        waitForConnection();
        waitFor(ui::setupShowing);
        backend.failNextSetup("cannot create the vault: Read-only file system");
        robot.clickOn("#setup-name").write("alice-pi");
        typeSetupPin(robot, "2468");
        typeSetupPin(robot, "2468");
        Label message = robot.lookup("#setup-message").queryAs(Label.class);
        waitForText(message, "Read-only file system");
        assertTrue(message.getText().startsWith("Not created"), message.getText());
        assertTrue(ui.setupShowing());
        assertFalse(backend.hasVault());
        assertEquals("alice-pi", robot.lookup("#setup-name").queryAs(TextField.class).getText(), "the name is kept");

        typeSetupPin(robot, "2468");
        typeSetupPin(robot, "2468");
        waitFor(backend::isUnlocked);
        waitFor(() -> !ui.setupShowing());
    }

    @Test
    void withoutAMedium_thePadIsIdle_andSetupComesWhenAnEmptyStickIsPlugged(FxRobot robot) {
        waitForConnection();
        waitFor(ui::setupShowing);
        backend.mediumPresent(false);
        waitFor(() -> visible(robot, "#unlock-title"));
        assertEquals("No vault medium", robot.lookup("#unlock-title").queryAs(Label.class).getText());
        assertTrue(robot.lookup("#pin-ok").query().isDisabled(), "nothing to unlock");
        assertFalse(ui.setupShowing());
        backend.mediumPresent(true);
        waitFor(ui::setupShowing);
    }

    static void waitForText(Label label, String part) {
        try {
            waitFor(() -> label.getText().contains(part));
        } catch (AssertionError e) {
            Label step = (Label) label.getScene().lookup("#setup-step");
            throw new AssertionError("'" + part + "' not in " + label.getId() + ": '" + label.getText() + "' (step: '"
                    + step.getText() + "')", e);
        }
    }

    void typeSetupPin(FxRobot robot, String pin) {
        for (char c : pin.toCharArray()) {
            robot.clickOn("#setup-" + c);
        }
        robot.clickOn("#setup-ok");
    }
}
