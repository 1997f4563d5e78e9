package org.otpi.kiosk;

import java.util.Arrays;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.PasswordField;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import org.otpi.protocol.kiosk.KioskMessage;

/**
 * Writes an encrypted backup to removable media: the passphrase twice, at least
 * {@link KioskMessage.ExportBackup#MIN_PASSPHRASE} characters (the file can be attacked offline,
 * so the Argon2id cost alone is not enough). Checked here for the person's sake and again on the
 * appliance, which is the authority.
 *
 * <p>The passphrase is copied out of the fields into a char[] (no String of ours), the fields are
 * cleared at once, and the array is wiped once the request is written. JavaFX's own field
 * content and Jackson's encoding are Strings we cannot wipe (docs/kiosk.md, limits).
 */
final class BackupDialog {
    private final KioskUi ui;
    private final Overlay overlay;
    private final Label where = new Label();
    private final PasswordField pass = new PasswordField();
    private final PasswordField repeat = new PasswordField();
    private final Label message = new Label();
    private final Button write = new Button("Write backup");
    private final Button cancel = new Button("Cancel");
    private String target = "";

    BackupDialog(KioskUi ui) {
        this.ui = ui;
        Label title = new Label("Encrypted backup");
        title.getStyleClass().add("title");
        where.setId("backup-target");
        where.setWrapText(true);
        pass.setId("backup-pass");
        pass.setPromptText("several words are easiest to remember");
        repeat.setId("backup-repeat");
        message.setId("backup-message");
        message.setWrapText(true);
        message.getStyleClass().add("warn");
        write.setId("backup-write");
        write.getStyleClass().add("approve");
        cancel.setId("backup-cancel");
        for (Button b : new Button[] {cancel, write}) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }
        write.setOnAction(e -> submit());
        cancel.setOnAction(e -> close());
        repeat.setOnAction(e -> submit());
        HBox buttons = new HBox(cancel, write);
        buttons.getStyleClass().add("button-row");
        Label passLabel = new Label("Passphrase, at least " + KioskMessage.ExportBackup.MIN_PASSPHRASE + " characters");
        Label repeatLabel = new Label("The same passphrase again");
        passLabel.getStyleClass().add("dim");
        repeatLabel.getStyleClass().add("dim");
        overlay = new Overlay("backup", Pos.TOP_LEFT, false, title, where, passLabel, pass, repeatLabel, repeat, message,
                buttons);
        overlay.place(Pos.TOP_CENTER); // leaves room for the on-screen keyboard
    }

    StackPane node() {
        return overlay.node();
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    void open(String target) {
        this.target = target;
        where.setText(target.isEmpty() ? "Type the USB medium's directory first." : "To " + target
                + ". Without the passphrase it cannot be restored: keep it apart from the stick.");
        pass.clear();
        repeat.clear();
        message.setText("");
        write.setDisable(target.isEmpty());
        cancel.setDisable(false);
        overlay.setShowing(true);
        pass.requestFocus();
    }

    void close() {
        pass.clear();
        repeat.clear();
        overlay.setShowing(false);
    }

    private void submit() {
        if (write.isDisabled()) {
            return;
        }
        char[] a = chars(pass);
        char[] b = chars(repeat);
        try {
            if (a.length < KioskMessage.ExportBackup.MIN_PASSPHRASE) {
                refuse("Too short: at least " + KioskMessage.ExportBackup.MIN_PASSPHRASE + " characters. "
                        + "Several words are easier to remember.");
                return;
            }
            if (!Arrays.equals(a, b)) {
                refuse("The two passphrases do not match: type both again.");
                return;
            }
            pass.clear();
            repeat.clear();
            write.setDisable(true);
            cancel.setDisable(true);
            message.setText("Writing the backup…");
            String to = target;
            ui.client().call(id -> new KioskMessage.ExportBackup(id, to, a), KioskMessage.Done.class)
                    .whenComplete((d, error) -> ui.fx(() -> {
                        cancel.setDisable(false);
                        if (error == null) {
                            close();
                            ui.toast("Encrypted backup written to " + to);
                        } else {
                            write.setDisable(false);
                            message.setText("Not written: " + KioskUi.text(error));
                        }
                    }));
        } finally {
            // call() has written the request by now (or failed to): nothing needs these any more.
            Arrays.fill(a, '\0');
            Arrays.fill(b, '\0');
        }
    }

    private void refuse(String why) {
        message.setText(why);
        pass.clear();
        repeat.clear();
        pass.requestFocus();
    }

    private static char[] chars(PasswordField f) {
        CharSequence s = f.getCharacters();
        char[] out = new char[s.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.charAt(i);
        }
        return out;
    }
}
