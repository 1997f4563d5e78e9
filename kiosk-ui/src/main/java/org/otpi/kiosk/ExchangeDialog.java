package org.otpi.kiosk;

import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TextField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import org.otpi.protocol.kiosk.KioskMessage;

/**
 * The in-person exchange on the touchscreen (docs/kiosk.md, "Handing a pad over").
 *
 * <p>Hand over: the appliance seals a fresh pad onto the USB stick and answers with the one-time
 * transfer code, shown large as {@code ABCDE-FGHJK}, and the six fingerprint words. The person
 * reads the code aloud (or shows the screen) to the other person, who types it on their device.
 *
 * <p>Receive: the code typed here (on-screen keyboard in full screen; case, spaces and dashes do
 * not matter), then the new contact and the words, to compare with the sender's screen.
 *
 * <p>The code is never logged; it lives in a Label (sender) or the text field (receiver) until
 * the dialog closes, on "Done", "Cancel" or lock. The typed code is copied into a char[] that is
 * wiped once the request is written; the field is cleared at once (JavaFX's and Jackson's Strings
 * cannot be wiped: docs/kiosk.md, limits).
 */
final class ExchangeDialog {
    private final KioskUi ui;
    private final Overlay overlay;
    private final Label title = new Label();
    private final Label instruction = new Label();
    private final Label code = new Label();
    private final TextField typed = new TextField();
    private final Label wordsHint = new Label();
    private final Label words = new Label();
    private final Label message = new Label();
    private final Button action = new Button("Receive");
    private final Button close = new Button("Cancel");
    private String source = "";
    private int generation; // answers to an earlier opening are ignored

    ExchangeDialog(KioskUi ui) {
        this.ui = ui;
        title.setId("exchange-title");
        title.getStyleClass().add("title");
        title.setWrapText(true);
        instruction.setId("exchange-instruction");
        instruction.setWrapText(true);
        code.setId("exchange-code");
        code.getStyleClass().add("pairing-code");
        typed.setId("exchange-typed");
        typed.setPromptText("ABCDE-FGHJK");
        typed.getStyleClass().add("exchange-typed");
        typed.setOnAction(e -> receive());
        wordsHint.setId("exchange-words-hint");
        wordsHint.getStyleClass().add("dim");
        wordsHint.setWrapText(true);
        words.setId("exchange-words");
        words.getStyleClass().add("exchange-words");
        words.setWrapText(true);
        message.setId("exchange-message");
        message.getStyleClass().add("warn");
        message.setWrapText(true);
        action.setId("exchange-receive");
        action.getStyleClass().add("approve");
        action.setOnAction(e -> receive());
        close.setId("exchange-close");
        close.setOnAction(e -> close());
        for (Button b : new Button[] {close, action}) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }
        HBox buttons = new HBox(close, action);
        buttons.getStyleClass().add("button-row");
        overlay = new Overlay("exchange", Pos.TOP_CENTER, false, title, instruction, code, typed, wordsHint, words,
                message, buttons);
        overlay.card.getStyleClass().add("pairing"); // the same large code as the pairing dialog
    }

    StackPane node() {
        return overlay.node();
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    /** Seals {@code contact}'s fresh pad onto the medium at {@code target}, then shows the code. */
    void handOver(String contact, String target) {
        int g = reset();
        title.setText("Hand over the pad for “" + contact + "”");
        instruction.setText("Writing the sealed pad to " + target + "…");
        show(close);
        close.setText("Cancel");
        close.setDisable(true); // the package is being written: wait for it
        overlay.place(Pos.CENTER);
        overlay.setShowing(true);
        ui.client().call(id -> new KioskMessage.ExchangeSend(id, contact, target), KioskMessage.ExchangeSent.class)
                .whenComplete((sent, error) -> ui.fx(() -> {
                    if (g != generation) {
                        return;
                    }
                    close.setDisable(false);
                    if (error != null) {
                        instruction.setText("");
                        message.setText("Not handed over: " + KioskUi.text(error));
                        close.setText("Close");
                        return;
                    }
                    instruction.setText("Take the USB stick to the other device (“" + sent.receiverId()
                            + "”), choose Receive there and type this code. Read it aloud; do not write it down.");
                    code.setText(sent.code());
                    wordsHint.setText("When the other device has the pad, both screens must show these words:");
                    words.setText(joined(sent.fingerprint()));
                    close.setText("Done");
                    show(close, code, wordsHint, words);
                }));
    }

    /** Asks for the transfer code to open the package on {@code source}. */
    void receive(String source) {
        reset();
        this.source = source;
        title.setText("Receive a pad");
        instruction.setText(source.isEmpty() ? "Type the USB medium's directory first."
                : "From the USB stick at " + source + ". Type the code shown on the other device:");
        action.setDisable(source.isEmpty());
        close.setText("Cancel");
        show(close, typed, action);
        overlay.place(Pos.TOP_CENTER); // leaves room for the on-screen keyboard
        overlay.setShowing(true);
        typed.requestFocus();
    }

    void close() {
        generation++;
        code.setText("");
        typed.clear();
        words.setText("");
        overlay.setShowing(false);
    }

    private void receive() {
        if (action.isDisabled() || !action.isVisible()) {
            return;
        }
        char[] c = chars(typed);
        typed.clear();
        try {
            if (countCodeChars(c) != 10) { // checked again, and fully, on the appliance
                message.setText("A transfer code is 10 letters and digits, like ABCDE-FGHJK.");
                typed.requestFocus();
                return;
            }
            int g = generation;
            String from = source;
            action.setDisable(true);
            close.setDisable(true);
            message.setText("");
            instruction.setText("Checking the code and importing the pad…");
            ui.client().call(id -> new KioskMessage.ExchangeReceive(id, from, c), KioskMessage.ExchangeReceived.class)
                    .whenComplete((got, error) -> ui.fx(() -> {
                        if (g != generation) {
                            return;
                        }
                        close.setDisable(false);
                        if (error != null) {
                            action.setDisable(false);
                            instruction.setText("Type the code shown on the other device:");
                            message.setText("Not imported: " + KioskUi.text(error));
                            typed.requestFocus();
                            return;
                        }
                        title.setText("Pad received from “" + got.contact() + "”");
                        instruction.setText(Format.bytes(got.padBytes()) + " stored; the USB stick has been wiped.");
                        wordsHint.setText("The other screen must show the same words. If they differ, delete this pad.");
                        words.setText(joined(got.fingerprint()));
                        close.setText("Done");
                        show(close, wordsHint, words);
                        overlay.place(Pos.CENTER); // the keyboard is not needed any more
                    }));
        } finally {
            // call() has written the request by now (or failed to): nothing needs these any more.
            java.util.Arrays.fill(c, '\0');
        }
    }

    private int reset() {
        generation++;
        code.setText("");
        typed.clear();
        words.setText("");
        wordsHint.setText("");
        message.setText("");
        action.setDisable(false);
        close.setDisable(false);
        return generation;
    }

    /** Shows the always-present lines plus {@code parts}; hides the rest without leaving gaps. */
    private void show(Node... parts) {
        List<Node> optional = List.of(code, typed, wordsHint, words, action, close);
        for (Node n : optional) {
            boolean on = List.of(parts).contains(n);
            n.setVisible(on);
            n.setManaged(on);
        }
    }

    private static String joined(List<String> fingerprint) {
        return String.join("  ", fingerprint);
    }

    private static int countCodeChars(char[] c) {
        int n = 0;
        for (char x : c) {
            if (x != ' ' && x != '-') {
                n++;
            }
        }
        return n;
    }

    private static char[] chars(TextField f) {
        String s = f.getText();
        char[] out = new char[s.length()];
        s.getChars(0, out.length, out, 0);
        return out;
    }
}
