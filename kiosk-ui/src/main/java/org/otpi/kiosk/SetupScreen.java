package org.otpi.kiosk;

import java.util.Arrays;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.CreateVault;

/**
 * First run: the medium holds no vault yet. The person names the device (their relay user name)
 * and chooses a PIN, typed twice on the same keypad as the unlock screen. A short PIN, a bad name
 * and two different PINs are refused here, before anything is sent; the appliance checks again
 * and is the authority (it also refuses to replace an existing vault).
 *
 * <p>Both PIN entries are char arrays wiped after the request is written, on a mismatch, and
 * whenever the screen is left. The name is not secret.
 */
final class SetupScreen {
    private static final int MAX_PIN = 16;

    private final KioskUi ui;
    private final HBox root = new HBox();
    private final TextField name = new TextField();
    private final Label step = new Label();
    private final Label dots = new Label();
    private final Label message = new Label();
    private final GridPane pad = PinPad.create("setup", this::key);
    private final char[] typed = new char[MAX_PIN];
    private int length;
    private char[] first; // the first entry while the second is typed, else null
    private boolean busy;

    SetupScreen(KioskUi ui) {
        this.ui = ui;
        Label title = new Label("Set up OTPi");
        title.setId("setup-title");
        title.getStyleClass().add("title");
        Label intro = new Label("This vault stick is empty. Name the device and choose the PIN that will open it.");
        intro.setWrapText(true);
        intro.getStyleClass().add("dim");
        Label nameLabel = new Label("Device name (your relay user name)");
        nameLabel.getStyleClass().add("dim");
        name.setId("setup-name");
        name.setPromptText("e.g. alice-pi");
        name.textProperty().addListener((o, a, b) -> {
            if (b.length() > CreateVault.MAX_DEVICE_ID) {
                name.setText(b.substring(0, CreateVault.MAX_DEVICE_ID));
            }
        });
        // Enter on the on-screen keyboard: done with the name, the keyboard goes, the keypad is free.
        name.setOnAction(e -> root.requestFocus());
        step.setId("setup-step");
        step.getStyleClass().add("subtitle");
        dots.setId("setup-dots");
        dots.getStyleClass().add("pin-dots");
        message.setId("setup-message");
        message.getStyleClass().addAll("message", "warn");
        message.setWrapText(true);
        VBox left = new VBox(title, intro, nameLabel, name, step, dots, message);
        left.getStyleClass().add("setup-form");
        left.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(left, Priority.ALWAYS);
        pad.setMinWidth(javafx.scene.layout.Region.USE_PREF_SIZE);
        HBox.setHgrow(pad, Priority.SOMETIMES);
        root.getStyleClass().add("setup");
        root.setAlignment(Pos.CENTER);
        root.getChildren().addAll(left, pad);
        reset("");
    }

    HBox node() {
        return root;
    }

    private void key(String k) {
        if (busy) {
            return;
        }
        switch (k) {
            case PinPad.BACK -> {
                if (length > 0) {
                    typed[--length] = '\0';
                }
            }
            case PinPad.OK -> ok();
            default -> {
                if (length < MAX_PIN) {
                    typed[length++] = k.charAt(0);
                }
            }
        }
        showDots();
    }

    private void ok() {
        String problem = nameProblem(name.getText());
        if (problem != null) {
            message.setText(problem);
            name.requestFocus();
            return;
        }
        if (first == null) {
            if (length < CreateVault.MIN_PIN) {
                message.setText("Too short: the PIN needs at least " + CreateVault.MIN_PIN + " digits.");
                clearTyped();
                return;
            }
            first = Arrays.copyOf(typed, length);
            clearTyped();
            message.setText("");
            step.setText("Type the same PIN again");
            return;
        }
        char[] second = Arrays.copyOf(typed, length);
        clearTyped();
        if (!Arrays.equals(first, second)) {
            Arrays.fill(second, '\0');
            reset("The two PINs do not match: choose the PIN again.");
            return;
        }
        Arrays.fill(first, '\0');
        first = null;
        submit(name.getText(), second);
    }

    private void submit(String deviceId, char[] pin) {
        busy = true;
        pad.setDisable(true);
        name.setDisable(true);
        step.setText("Creating the vault…");
        message.setText("");
        try {
            ui.client().call(id -> new KioskMessage.CreateVault(id, deviceId, pin), KioskMessage.Done.class)
                    .whenComplete((d, error) -> ui.fx(() -> {
                        busy = false;
                        pad.setDisable(false);
                        name.setDisable(false);
                        if (error == null) {
                            reset("");
                            ui.unlocked();
                        } else {
                            reset("Not created: " + KioskUi.text(error));
                        }
                    }));
        } finally {
            // call() has written the request by now (or failed to): nothing needs the PIN any more.
            Arrays.fill(pin, '\0');
        }
    }

    /** Back to the first PIN entry with {@code why} shown; both entries wiped. The name stays. */
    private void reset(String why) {
        if (first != null) {
            Arrays.fill(first, '\0');
            first = null;
        }
        clearTyped();
        step.setText("Choose a PIN, at least " + CreateVault.MIN_PIN + " digits");
        message.setText(why);
    }

    /** Wipes everything typed (the screen is left). */
    void clear() {
        reset("");
    }

    private void clearTyped() {
        Arrays.fill(typed, '\0');
        length = 0;
        showDots();
    }

    private void showDots() {
        dots.setText(length == 0 ? " " : "●".repeat(length));
    }

    /** The appliance's device-id rule, checked here first for a quick answer. */
    static String nameProblem(String n) {
        if (n == null || n.isBlank()) {
            return "Give the device a name first (your relay user name).";
        }
        if (n.chars().anyMatch(Character::isISOControl)) {
            return "The name has a character that cannot be shown.";
        }
        if (!n.strip().equals(n)) {
            return "The name starts or ends with a space.";
        }
        return null;
    }
}
