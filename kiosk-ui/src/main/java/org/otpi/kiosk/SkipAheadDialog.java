package org.otpi.kiosk;

import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * A pad restored from a backup on a new SD card is receive-only (issue 11, DESIGN section 5):
 * this device cannot know what it sealed with it after the backup. This dialog says what that
 * means and lets the person skip ahead by an amount shown to them (a tenth, a quarter or half of
 * what is left; a tenth by default), with a second touch. The skipped pad is destroyed unused.
 */
final class SkipAheadDialog {
    /** The fractions of what is left that are offered (1/10, 1/4, 1/2), as divisors. */
    static final int[] PARTS = {10, 4, 2};

    private final KioskUi ui;
    private final Overlay overlay;
    private final Label title = new Label();
    private final Label explain = new Label();
    private final Label after = new Label();
    private final ToggleGroup amount = new ToggleGroup();
    private final ToggleButton[] choices = new ToggleButton[PARTS.length];
    private final Button skip;
    private final Button cancel = new Button("Cancel");
    private Views.Contact contact;

    SkipAheadDialog(KioskUi ui) {
        this.ui = ui;
        title.setId("skip-title");
        title.getStyleClass().add("subtitle");
        title.setWrapText(true);
        explain.setId("skip-explain");
        explain.setWrapText(true);
        after.setId("skip-after");
        after.getStyleClass().add("dim");
        after.setWrapText(true);
        HBox row = new HBox();
        row.getStyleClass().add("button-row");
        for (int i = 0; i < PARTS.length; i++) {
            ToggleButton t = new ToggleButton();
            t.setId("skip-" + PARTS[i]);
            t.setUserData(PARTS[i]);
            t.setToggleGroup(amount);
            t.getStyleClass().add("compact");
            t.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(t, Priority.ALWAYS);
            choices[i] = t;
            row.getChildren().add(t);
        }
        amount.selectedToggleProperty().addListener((o, was, now) -> {
            if (now == null && was != null) {
                was.setSelected(true);
            }
            update();
        });
        skip = PadsScreen.confirmButton("Skip ahead", "Tap again to skip", null, this::submit);
        skip.setId("skip-confirm");
        skip.getStyleClass().add("deny");
        cancel.setId("skip-cancel");
        cancel.setOnAction(e -> close());
        for (Button b : new Button[] {cancel, skip}) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }
        HBox buttons = new HBox(cancel, skip);
        buttons.getStyleClass().add("button-row");
        overlay = new Overlay("skip", Pos.TOP_LEFT, false, title, explain, row, after, buttons);
    }

    StackPane node() {
        return overlay.node();
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    void open(Views.Contact c) {
        contact = c;
        String name = org.otpi.protocol.kiosk.VisibleText.name(c.contact());
        title.setText("The pad with " + name + " was restored from a backup");
        explain.setText("This device may have sealed messages with it after that backup, which the backup does not"
                + " know. Sealing from where the backup left off could use pad twice, so it only opens messages now."
                + " It seals again by itself after " + name + "'s next message (it says how far " + name + " has read)."
                + " Or skip ahead now: the part you skip is destroyed unused. Skip more than was sent since the"
                + " backup.");
        long left = c.sendRemaining();
        for (int i = 0; i < PARTS.length; i++) {
            choices[i].setText("1/" + PARTS[i] + " · " + Format.bytes(left / PARTS[i]));
            choices[i].setDisable(left / PARTS[i] <= 0);
        }
        choices[0].setSelected(true);
        update();
        skip.setDisable(left / PARTS[0] <= 0);
        cancel.setDisable(false);
        overlay.setShowing(true);
    }

    void close() {
        overlay.setShowing(false);
        contact = null;
    }

    /** The amount chosen, in bytes. */
    long chosen() {
        if (contact == null || amount.getSelectedToggle() == null) {
            return 0;
        }
        return contact.sendRemaining() / (int) amount.getSelectedToggle().getUserData();
    }

    private void update() {
        if (contact != null) {
            long n = chosen();
            after.setText("Skips " + Format.bytes(n) + "; " + Format.bytes(contact.sendRemaining() - n)
                    + " left to send to " + contact.contact() + " afterwards.");
        }
    }

    private void submit() {
        Views.Contact c = contact;
        long bytes = chosen();
        if (c == null || bytes <= 0) {
            return;
        }
        skip.setDisable(true);
        cancel.setDisable(true);
        ui.client().call(id -> new KioskMessage.SkipAhead(id, c.contact(), bytes), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(() -> {
                    skip.setDisable(false);
                    cancel.setDisable(false);
                    if (error == null) {
                        close();
                        ui.toast("Skipped " + Format.bytes(bytes) + " of the pad with " + c.contact() + ": it seals again");
                    } else {
                        after.setText("Not skipped: " + KioskUi.text(error));
                    }
                }));
    }
}
