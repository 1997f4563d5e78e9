package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;

/**
 * The in-person exchange on the touchscreen, through the real socket to the in-memory backend:
 * "Hand over" shows the transfer code and the words; "Receive" takes a code, refuses a wrong one
 * and shows the words of the imported pad.
 */
class KioskExchangeTest extends KioskFxTest {
    static final String USB = "/media/otpi-usb";

    @Test
    void handOver_showsTheCodeLargeAndTheWords_onlyForAFreshPad(FxRobot robot) {
        backend.addPad("dave-pi", 1 << 20, "hrng+kernel", 0, 0);
        unlock(robot);
        waitFor(() -> visible(robot, "#handover-dave-pi"));
        assertFalse(visible(robot, "#handover-alice"), "a used pad is not offered for hand-over");
        assertFalse(visible(robot, "#handover-carol"), "nor an imported one");

        robot.clickOn("#handover-dave-pi");
        waitFor(ui::exchangeShowing);
        Label code = robot.lookup("#exchange-code").queryAs(Label.class);
        waitFor(() -> !code.getText().isEmpty());
        assertTrue(code.getText().matches("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}"), code.getText());
        String words = robot.lookup("#exchange-words").queryAs(Label.class).getText();
        assertEquals(6, words.trim().split("\\s+").length, words);
        assertTrue(robot.lookup("#exchange-instruction").queryAs(Label.class).getText().contains("type this code"));
        assertTrue(backend.packageOn(USB), "the package is on the stick");

        robot.clickOn("#exchange-close");
        waitFor(() -> !ui.exchangeShowing());
        assertEquals("", code.getText(), "the code is not kept once the dialog is closed");
    }

    @Test
    void handOver_refusedByTheAppliance_showsTheReason_andNoCode(FxRobot robot) {
        backend.addPad("dave-pi", 1 << 20, "hrng+kernel", 0, 0);
        unlock(robot);
        waitFor(() -> visible(robot, "#handover-dave-pi"));
        robot.interact(() -> robot.lookup("#media-path").queryAs(TextField.class).clear());
        robot.clickOn("#handover-dave-pi");
        Label message = robot.lookup("#exchange-message").queryAs(Label.class);
        waitFor(() -> message.getText().contains("transfer medium"));
        assertTrue(message.getText().startsWith("Not handed over"), message.getText());
        assertFalse(visible(robot, "#exchange-code"));
        assertFalse(backend.packageOn(USB));
        robot.clickOn("#exchange-close");
        waitFor(() -> !ui.exchangeShowing());
    }

    @Test
    void receive_refusesAWrongCode_thenImportsWithTheRightOne_andShowsTheWords(FxRobot robot) {
        backend.stageIncoming(USB, "erin-pi", 1 << 20, "7K3QM-2XW9P");
        unlock(robot);
        robot.clickOn("#receive");
        waitFor(ui::exchangeShowing);
        TextField typed = robot.lookup("#exchange-typed").queryAs(TextField.class);
        Label message = robot.lookup("#exchange-message").queryAs(Label.class);

        robot.clickOn("#exchange-typed").write("7K3QM");
        robot.clickOn("#exchange-receive");
        waitFor(() -> message.getText().contains("10 letters"));

        robot.clickOn("#exchange-typed").write("AAAAAAAAAA");
        robot.clickOn("#exchange-receive");
        waitFor(() -> message.getText().contains("wrong transfer code"));
        assertEquals("", typed.getText(), "the field is cleared after each try");
        assertTrue(backend.packageOn(USB), "a wrong code leaves the package");

        robot.clickOn("#exchange-typed").write("7k3qm 2xw9p"); // as read aloud: case and spaces do not matter
        robot.clickOn("#exchange-receive");
        Label title = robot.lookup("#exchange-title").queryAs(Label.class);
        waitFor(() -> title.getText().contains("erin-pi"));
        String words = robot.lookup("#exchange-words").queryAs(Label.class).getText();
        assertEquals(6, words.trim().split("\\s+").length, words);
        assertFalse(backend.packageOn(USB), "the stick is wiped after the import");
        assertFalse(visible(robot, "#exchange-typed"));
        robot.clickOn("#exchange-close");
        waitFor(() -> !ui.exchangeShowing());
        waitFor(() -> visible(robot, "#pad-erin-pi"));
    }

    @Test
    void locking_closesTheDialog_andForgetsTheCode(FxRobot robot) {
        backend.addPad("dave-pi", 1 << 20, "hrng+kernel", 0, 0);
        unlock(robot);
        waitFor(() -> visible(robot, "#handover-dave-pi"));
        robot.clickOn("#handover-dave-pi");
        Label code = robot.lookup("#exchange-code").queryAs(Label.class);
        waitFor(() -> !code.getText().isEmpty());
        backend.lock();
        waitFor(() -> !ui.exchangeShowing());
        assertEquals("", code.getText());
    }
}
