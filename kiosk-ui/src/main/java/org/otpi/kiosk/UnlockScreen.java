package org.otpi.kiosk;

import java.util.Arrays;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Pos;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * The PIN pad. Digits are kept in a char array that is wiped once sent (the JVM and the socket
 * may still hold copies). While the appliance enforces a delay after a wrong PIN, the pad is
 * disabled and the remaining wait counts down.
 */
final class UnlockScreen {
    private static final int MAX_PIN = 16;

    private final KioskUi ui;
    private final VBox root = new VBox();
    private final Label dots = new Label();
    private final Label message = new Label("Enter the PIN to unlock the vault");
    private final Label title = new Label("OTPi is locked");
    private final GridPane pad = PinPad.create("pin", this::key);
    private final Timeline countdown = new Timeline();
    private char[] pin = new char[MAX_PIN];
    private int length;
    private long notBefore;

    UnlockScreen(KioskUi ui) {
        this.ui = ui;
        title.setId("unlock-title");
        title.getStyleClass().add("title");
        dots.setId("pin-dots");
        dots.getStyleClass().add("pin-dots");
        message.setId("unlock-message");
        message.getStyleClass().add("message");
        message.setWrapText(true);
        root.getStyleClass().add("unlock");
        root.setAlignment(Pos.CENTER);
        root.getChildren().addAll(title, dots, message, pad);
        countdown.getKeyFrames().add(new KeyFrame(Duration.millis(250), e -> tick()));
        countdown.setCycleCount(Timeline.INDEFINITE);
        showDots();
    }

    VBox node() {
        return root;
    }

    private void key(String k) {
        if (System.currentTimeMillis() < notBefore) {
            return;
        }
        switch (k) {
            case PinPad.BACK -> {
                if (length > 0) {
                    pin[--length] = '\0';
                }
            }
            case PinPad.OK -> submit();
            default -> {
                if (length < MAX_PIN) {
                    pin[length++] = k.charAt(0);
                }
            }
        }
        showDots();
    }

    private void submit() {
        if (length == 0) {
            return;
        }
        char[] typed = Arrays.copyOf(pin, length);
        clear();
        pad.setDisable(true);
        message.setText("Checking…");
        ui.client().call(id -> new KioskMessage.Unlock(id, typed), KioskMessage.UnlockReply.class)
                .whenComplete((reply, error) -> {
                    Arrays.fill(typed, '\0');
                    ui.fx(() -> {
                        pad.setDisable(false);
                        if (error != null) {
                            message.setText("Could not reach the device: " + KioskUi.text(error));
                        } else {
                            result(reply.result());
                        }
                    });
                });
    }

    private void result(Views.UnlockResult r) {
        switch (r.outcome()) {
            case OK -> {
                message.getStyleClass().remove("warn");
                message.setText("Enter the PIN to unlock the vault");
                ui.unlocked();
            }
            case WRONG, WAIT -> {
                notBefore = System.currentTimeMillis() + r.retryAfterMillis();
                if (!message.getStyleClass().contains("warn")) {
                    message.getStyleClass().add("warn");
                }
                String prefix = r.outcome() == Views.UnlockResult.Outcome.WRONG ? "Wrong PIN. " : "";
                // The vault's own count; a backend that cannot know it says -1 and the screen does not guess.
                String left = r.attemptsLeft() < 0 ? "" : r.attemptsLeft() == 1
                        ? "1 attempt left before the key is wiped. " : r.attemptsLeft() + " attempts left before the key is wiped. ";
                message.setUserData(prefix + left);
                tick();
                countdown.play();
            }
            case WIPED -> {
                pad.setDisable(true);
                message.getStyleClass().add("bad");
                message.setText("Too many wrong PINs: the vault key was wiped. Restore from a backup.");
            }
        }
    }

    private void tick() {
        long left = notBefore - System.currentTimeMillis();
        String prefix = message.getUserData() instanceof String s ? s : "";
        if (left > 0) {
            pad.setDisable(true);
            message.setText(prefix + "Try again in " + Format.seconds(left) + ".");
        } else {
            countdown.stop();
            pad.setDisable(false);
            message.setText(prefix + "Try again.");
        }
    }

    /**
     * Whether a vault medium is attached. Without one there is nothing to unlock: the pad is
     * disabled and the person is asked to insert the stick.
     */
    void medium(boolean present) {
        if (present == !pad.getStyleClass().contains("no-medium")) {
            return;
        }
        if (present) {
            pad.getStyleClass().remove("no-medium");
            title.setText("OTPi is locked");
            message.setText("Enter the PIN to unlock the vault");
            pad.setDisable(System.currentTimeMillis() < notBefore);
        } else {
            pad.getStyleClass().add("no-medium");
            title.setText("No vault medium");
            message.setText("Insert the OTPi vault stick. The screen changes by itself when it is found.");
            pad.setDisable(true);
        }
    }

    void clear() {
        Arrays.fill(pin, '\0');
        length = 0;
        showDots();
    }

    private void showDots() {
        dots.setText(length == 0 ? " " : "●".repeat(length));
    }
}
