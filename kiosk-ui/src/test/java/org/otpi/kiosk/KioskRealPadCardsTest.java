package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.vault.PadStats;
import org.testfx.api.FxRobot;

/**
 * The kiosk fixes a new user met on the real device (issue 14, item 4, and issue 11 item 2), at
 * 800x480 against alice's real vault: a wrong PIN says how many attempts are left (the vault's
 * count, never "-1"); a long contact name is shown whole; "Delete" says whose pad a second touch
 * destroys; a pad restored from a backup says it is receive-only and skips ahead by the amount
 * the person chose on the screen.
 */
class KioskRealPadCardsTest extends TrustedScreenFxTest {
    static final String LONG = "Bartholomew Featherstonehaugh-Cholmondeley of Slaughter";

    @Override
    String restoredContact() {
        return LONG;
    }

    @Test
    void wrongPin_longName_whosePad_andSkipAhead_onTheRealVault(FxRobot robot) throws Exception {
        waitForConnection();
        typePin(robot, "0000");
        Label message = robot.lookup("#unlock-message").queryAs(Label.class);
        waitFor(() -> message.getText().contains("Wrong PIN"));
        assertTrue(message.getText().contains("9 attempts left"), message.getText());
        assertFalse(message.getText().contains("-1"), message.getText());
        waitFor(() -> !robot.lookup("#pin-1").query().isDisabled());
        unlockAlice(robot);

        waitFor(() -> robot.lookup(n -> ("name-" + LONG).equals(n.getId())).tryQuery().isPresent());
        Label name = (Label) byId(robot, "name-" + LONG);
        Node shownText = name.lookup(".text");
        String displayed = ((javafx.scene.text.Text) shownText).getText().replace("\n", " ").replaceAll(" +", " ");
        assertEquals(LONG, displayed, "the whole name, never cut off");
        assertTrue(name.getBoundsInParent().getMaxX() <= ((javafx.scene.layout.Region) name.getParent()).getWidth() + 1);

        // the restored pad says what it is and what to do
        Label ro = (Label) byId(robot, "receive-only-" + LONG);
        assertTrue(ro.getText().startsWith("Receive only: restored from a backup"), ro.getText());
        assertTrue(alice.vault().stats(LONG).receiveOnly());

        // Delete names whose pad it destroys before the second touch
        Button delete = (Button) byId(robot, "delete-bob");
        robot.interact(() -> ((javafx.scene.control.ScrollPane) robot.lookup(".scroll").queryAll().stream()
                .filter(n -> n instanceof javafx.scene.control.ScrollPane sp && sp.getContent().getId() != null
                        && sp.getContent().getId().equals("pad-list")).findFirst().orElseThrow()).setVvalue(1));
        robot.clickOn(delete);
        assertEquals("Tap again", delete.getText());
        assertTrue(robot.lookup((Label l) -> l.isVisible() && l.getText().contains("destroy the pad shared with bob"))
                .tryQuery().isPresent(), "the warning says whose pad");
        waitFor(() -> delete.getText().equals("Delete")); // not touched again: nothing happens
        assertEquals(1, alice.vault().contacts().stream().filter(c -> c.contact().equals("bob")).count());

        PadStats before = alice.vault().stats(LONG);
        robot.interact(() -> ((javafx.scene.control.ScrollPane) robot.lookup(".scroll").queryAll().stream()
                .filter(n -> n instanceof javafx.scene.control.ScrollPane sp && sp.getContent().getId() != null
                        && sp.getContent().getId().equals("pad-list")).findFirst().orElseThrow()).setVvalue(0));
        robot.clickOn(byId(robot, "skip-ahead-" + LONG));
        waitFor(ui::skipShowing);
        long tenth = before.sendRemaining() / 10;
        assertEquals("1/10 · " + Format.bytes(tenth), ((ToggleButton) byId(robot, "skip-10")).getText());
        assertTrue(((ToggleButton) byId(robot, "skip-10")).isSelected(), "a tenth of what is left by default");
        assertTrue(robot.lookup("#skip-explain").queryAs(Label.class).getText().contains("could use pad twice"));
        assertTrue(robot.lookup("#skip-after").queryAs(Label.class).getText().startsWith("Skips " + Format.bytes(tenth)));
        robot.clickOn("#skip-confirm");
        assertEquals(before.sendUsed(), alice.vault().stats(LONG).sendUsed(), "one touch skips nothing");
        robot.clickOn("#skip-confirm");
        waitFor(() -> !ui.skipShowing());
        waitFor(() -> !alice.vault().stats(LONG).receiveOnly());
        assertEquals(before.sendRemaining() - tenth, alice.vault().stats(LONG).sendRemaining(),
                "skipped exactly the amount shown");
        waitFor(() -> robot.lookup(n -> ("receive-only-" + LONG).equals(n.getId())).tryQuery().isEmpty());
    }
}
