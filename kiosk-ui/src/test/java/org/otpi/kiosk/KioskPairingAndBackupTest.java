package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.kiosk.KioskPairingDisplay;
import org.testfx.api.FxRobot;

/**
 * The pairing code on the screen, pushed by the real {@link KioskPairingDisplay} through the real
 * socket; and the backup passphrase flow.
 */
class KioskPairingAndBackupTest extends KioskFxTest {

    @Test
    void pairingCode_isShownLarge_andGoesAwayWhenCleared(FxRobot robot) {
        waitForConnection();
        KioskPairingDisplay display = KioskPairingDisplay.on(server, Clock.systemUTC());
        display.show("work-laptop", "04718265", Duration.ofMinutes(2));
        waitFor(ui::pairingShowing);
        assertEquals("0471 8265", robot.lookup("#pairing-code").queryAs(Label.class).getText());
        assertTrue(robot.lookup("#pairing-heading").queryAs(Label.class).getText().contains("work-laptop"));
        String countdown = robot.lookup("#pairing-countdown").queryAs(Label.class).getText();
        assertTrue(countdown.matches("Valid for [12]:\\d\\d"), countdown);
        assertFalse(backend.isUnlocked(), "shown over the locked screen: pairing needs no PIN");

        display.clear("another-laptop");
        sleep(300);
        assertTrue(ui.pairingShowing(), "a clear for another client leaves this code up");
        display.clear("work-laptop");
        waitFor(() -> !ui.pairingShowing());
        assertEquals("", robot.lookup("#pairing-code").queryAs(Label.class).getText(), "the code is not kept");
    }

    @Test
    void pairingCode_expiresOnTheScreen_andALateKioskGetsAValidOne(FxRobot robot) throws Exception {
        KioskPairingDisplay display = KioskPairingDisplay.on(server, Clock.systemUTC());
        display.show("old-laptop", "11112222", Duration.ofMillis(1500));
        waitForConnection();
        waitFor(ui::pairingShowing); // replayed to the kiosk that connected after the show
        waitFor(() -> !ui.pairingShowing()); // and gone at expiry, with no clear from the appliance
    }

    @Test
    void approvalPrompt_takesPrecedence_thenThePairingCodeComesBack(FxRobot robot) throws Exception {
        unlock(robot);
        KioskPairingDisplay display = KioskPairingDisplay.on(server, Clock.systemUTC());
        display.show("work-laptop", "55556666", Duration.ofMinutes(2));
        waitFor(ui::pairingShowing);
        CompletableFuture<Decision> f = approver.request(
                backend.sealRequest("r1", "laptop", "alice", 5, Duration.ofSeconds(30)));
        waitFor(ui::approvalShowing);
        assertFalse(ui.pairingShowing(), "the approval is not hidden behind the code");
        robot.clickOn("#approve");
        assertEquals(Decision.APPROVE, f.get(5, TimeUnit.SECONDS));
        waitFor(() -> !ui.approvalShowing());
        waitFor(ui::pairingShowing);
        robot.clickOn("#pairing-hide");
        waitFor(() -> !ui.pairingShowing());
    }

    @Test
    void backup_refusesAMismatchAndAShortPassphrase_thenWritesWithTheRightOne(FxRobot robot) {
        unlock(robot);
        robot.clickOn("#export");
        waitFor(ui::backupShowing);
        Label message = robot.lookup("#backup-message").queryAs(Label.class);

        robot.clickOn("#backup-pass").write("correct horse battery");
        robot.clickOn("#backup-repeat").write("correct horse battary");
        robot.clickOn("#backup-write");
        waitFor(() -> message.getText().contains("do not match"));
        assertEquals("", robot.lookup("#backup-pass").queryAs(PasswordField.class).getText(), "fields cleared");

        robot.clickOn("#backup-pass").write("short pass");
        robot.clickOn("#backup-repeat").write("short pass");
        robot.clickOn("#backup-write");
        waitFor(() -> message.getText().contains("at least 12"));
        sleep(300);
        assertEquals(0, backend.backups(), "nothing reaches the appliance before both checks pass");

        robot.clickOn("#backup-pass").write("correct horse battery");
        robot.clickOn("#backup-repeat").write("correct horse battery");
        robot.clickOn("#backup-write");
        waitFor(() -> !ui.backupShowing());
        assertEquals(1, backend.backups());
        assertTrue(backend.lastBackupSealedWith("correct horse battery".toCharArray()));
        waitFor(() -> robot.lookup("#toast").queryAs(Label.class).getText().contains("/media/otpi-usb"));
    }

    @Test
    void locking_closesTheBackupDialog_andForgetsWhatWasTyped(FxRobot robot) {
        unlock(robot);
        robot.clickOn("#export");
        waitFor(ui::backupShowing);
        robot.clickOn("#backup-pass").write("correct horse battery");
        backend.lock();
        waitFor(() -> !ui.backupShowing());
        assertEquals("", robot.lookup("#backup-pass").queryAs(PasswordField.class).getText());
        assertEquals(0, backend.backups());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
