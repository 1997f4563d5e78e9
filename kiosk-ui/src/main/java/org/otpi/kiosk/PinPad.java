package org.otpi.kiosk;

import java.util.function.Consumer;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.Priority;

/**
 * The 4×3 PIN keypad shared by the unlock and setup screens: digits, {@link #BACK} and
 * {@link #OK}. Buttons are named {@code PREFIX-1} … {@code PREFIX-0}, {@code PREFIX-back},
 * {@code PREFIX-ok} for tests.
 */
final class PinPad {
    static final String BACK = "⌫";
    static final String OK = "OK";

    private PinPad() {
    }

    static GridPane create(String idPrefix, Consumer<String> onKey) {
        GridPane pad = new GridPane();
        pad.getStyleClass().add("pin-pad");
        pad.setAlignment(Pos.CENTER);
        String[] keys = {"1", "2", "3", "4", "5", "6", "7", "8", "9", BACK, "0", OK};
        for (int i = 0; i < keys.length; i++) {
            String k = keys[i];
            Button b = new Button(k);
            b.setId(switch (k) {
                case BACK -> idPrefix + "-back";
                case OK -> idPrefix + "-ok";
                default -> idPrefix + "-" + k;
            });
            b.getStyleClass().add("pin-key");
            if (k.equals(OK)) {
                b.getStyleClass().add("approve");
            }
            b.setMaxWidth(Double.MAX_VALUE);
            b.setOnAction(e -> onKey.accept(k));
            GridPane.setHgrow(b, Priority.ALWAYS);
            pad.add(b, i % 3, i / 3);
        }
        return pad;
    }
}
