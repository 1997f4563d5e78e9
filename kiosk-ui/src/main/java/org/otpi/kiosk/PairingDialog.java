package org.otpi.kiosk;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.StackPane;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage.PairingCode;

/**
 * The pairing code a laptop asked for, large, with who asked and how long it stays valid. Goes
 * away on the appliance's {@code PairingCleared}, at expiry, when the connection drops, or when
 * the person touches "Hide" (the laptop then cannot pair with it).
 *
 * <p>An approval prompt takes precedence: while one is open this overlay is hidden (the
 * approval's countdown is the more urgent one), and it comes back, if still valid, when the
 * prompt closes. It shows over the unlock screen too: pairing needs only someone who can see the
 * device, not the PIN.
 *
 * <p>The code is never logged; it lives in a Label and the last push until cleared.
 */
final class PairingDialog {
    private final Overlay overlay;
    private final Label heading = new Label();
    private final Label code = new Label();
    private final Label countdown = new Label();
    private final Timeline timer = new Timeline(new KeyFrame(Duration.millis(250), e -> tick()));
    private PairingCode current;
    private boolean held; // an approval prompt is open

    PairingDialog() {
        heading.setId("pairing-heading");
        heading.getStyleClass().add("title");
        heading.setWrapText(true);
        Label instruction = new Label("Type this code on the laptop:");
        instruction.getStyleClass().add("subtitle");
        code.setId("pairing-code");
        code.getStyleClass().add("pairing-code");
        countdown.setId("pairing-countdown");
        countdown.getStyleClass().add("warn");
        Label caution = new Label("Only if you started this pairing on that laptop. Nobody else needs this code.");
        caution.getStyleClass().add("dim");
        caution.setWrapText(true);
        Button hide = new Button("Hide code");
        hide.setId("pairing-hide");
        hide.setMaxWidth(Double.MAX_VALUE);
        hide.setOnAction(e -> dismiss());
        overlay = new Overlay("pairing", Pos.CENTER, true, heading, instruction, code, countdown, caution, hide);
        timer.setCycleCount(Timeline.INDEFINITE);
    }

    StackPane node() {
        return overlay.node();
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    /** A new code: replaces whatever code was shown. */
    void show(PairingCode p) {
        current = p;
        heading.setText("Pair laptop “" + p.client() + "”?");
        code.setText(grouped(p.code()));
        tick();
        if (current != null) {
            timer.play();
        }
        update();
    }

    /** The appliance ended the pairing for {@code client}. */
    void cleared(String client) {
        if (current != null && current.client().equals(client)) {
            dismiss();
        }
    }

    /** An approval prompt opened (true) or the last one closed (false). */
    void hold(boolean approvalOpen) {
        held = approvalOpen;
        update();
    }

    /** Connection lost, hide touched or expired: forget the code. */
    void dismiss() {
        current = null;
        code.setText("");
        timer.stop();
        update();
    }

    private void update() {
        overlay.setShowing(current != null && !held);
    }

    private void tick() {
        if (current == null) {
            return;
        }
        long left = current.expiresEpochMillis() - System.currentTimeMillis();
        if (left <= 0) {
            dismiss();
            return;
        }
        countdown.setText("Valid for " + Format.seconds(left));
    }

    /** "12345678" as "1234 5678": easier to read and type. */
    static String grouped(String digits) {
        StringBuilder b = new StringBuilder(digits.length() + digits.length() / 4);
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && i % 4 == 0) {
                b.append(' ');
            }
            b.append(digits.charAt(i));
        }
        return b.toString();
    }
}
