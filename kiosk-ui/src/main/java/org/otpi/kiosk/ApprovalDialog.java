package org.otpi.kiosk;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.ApprovalPrompt;
import org.otpi.protocol.kiosk.VisibleText;

/**
 * Approve or deny one use of pad (DESIGN law 5), over every other screen. The screen tells the
 * truth (DESIGN section 8): for a seal it shows the very text that will be sealed (scrollable,
 * large, control characters as marks) and the contact as the vault knows it; for a file its name
 * as the laptop gives it, its size and its SHA-256 fingerprint, which the device checks; for an
 * open the sender and the message's size, and the choice to read it here only. Then the pad it
 * burns, what is left after, and a countdown: at zero the appliance denies. The appliance's
 * {@code ApprovalClosed} closes the dialog, whoever decided (screen, buttons, timeout, or the
 * laptop going away). Prompts queue, oldest first.
 */
final class ApprovalDialog {
    private final KioskUi ui;
    private final Overlay overlay;
    private final Label heading = new Label();
    private final Label contact = new Label();
    private final Label contactId = new Label();
    private final Label length = new Label();
    private final Label cost = new Label();
    private final Label after = new Label();
    private final Label note = new Label();
    private final Label fileName = new Label();
    private final Label fingerprint = new Label();
    private final VBox file = new VBox();
    private final MessageText text = new MessageText("approval-text");
    private final Label lengthName = dim("Message");
    private final Label usedWord = dim("used,");
    private final Label afterWord = dim("left after");
    private final javafx.scene.layout.Region spacer = new javafx.scene.layout.Region();
    private final Label countdown = new Label();
    private final Label queued = new Label();
    private final Button approve = new Button("Approve");
    private final Button onDevice = new Button("Read here only");
    private final Button deny = new Button("Deny");
    private final Deque<ApprovalPrompt> prompts = new ArrayDeque<>();
    private final Timeline timer = new Timeline(new KeyFrame(Duration.millis(200), e -> tick()));
    private Runnable onShown = () -> { };

    ApprovalDialog(KioskUi ui) {
        this.ui = ui;
        heading.getStyleClass().add("approval-heading");
        heading.setWrapText(true);
        heading.setId("approval-heading");
        contact.setId("approval-contact");
        contact.setWrapText(true);
        contactId.setId("approval-contact-id");
        contactId.getStyleClass().add("dim");
        length.setId("approval-length");
        cost.setId("approval-cost");
        after.setId("approval-after");
        note.setId("approval-note");
        note.setWrapText(true);
        note.getStyleClass().add("warn");
        note.managedProperty().bind(note.visibleProperty());
        countdown.setId("approval-countdown");
        countdown.getStyleClass().add("warn");
        queued.setId("approval-queued");
        queued.managedProperty().bind(queued.visibleProperty());
        approve.setId("approve");
        onDevice.setId("approve-on-device");
        deny.setId("deny");
        approve.getStyleClass().addAll("big", "approve");
        onDevice.getStyleClass().addAll("big", "approve");
        deny.getStyleClass().addAll("big", "deny");
        for (Button b : new Button[] {approve, onDevice, deny}) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
            b.managedProperty().bind(b.visibleProperty());
        }
        approve.setOnAction(e -> decide(true, false));
        onDevice.setOnAction(e -> decide(true, true));
        deny.setOnAction(e -> decide(false, false));

        // What a file is: the laptop's name for it (a label only) and the fingerprint the device checks.
        fileName.setId("approval-file");
        fileName.setWrapText(true);
        fingerprint.setId("approval-fingerprint");
        fingerprint.getStyleClass().add("fingerprint");
        Label fpHow = new Label("SHA-256 fingerprint: the laptop printed it too; approve only if they match."
                + " The device seals nothing that does not match it.");
        fpHow.setWrapText(true);
        fpHow.getStyleClass().add("dim");
        file.getChildren().addAll(fileName, fingerprint, fpHow);
        file.getStyleClass().add("approval-file");
        file.managedProperty().bind(file.visibleProperty());
        text.node().managedProperty().bind(text.node().visibleProperty());
        VBox.setVgrow(text.node(), Priority.ALWAYS);

        GridPane facts = new GridPane();
        facts.getStyleClass().add("facts");
        HBox who = new HBox(contact, contactId);
        who.getStyleClass().add("inline");
        who.setAlignment(Pos.BASELINE_LEFT);
        HBox pad = new HBox(value(cost), usedWord, value(after), afterWord);
        pad.getStyleClass().add("inline");
        pad.setAlignment(Pos.BASELINE_LEFT);
        facts.addRow(0, dim("Contact"), who);
        facts.addRow(1, lengthName, value(length));
        facts.addRow(2, dim("Pad"), pad);
        contact.getStyleClass().add("value");
        HBox buttons = new HBox(deny, onDevice, approve);
        buttons.getStyleClass().add("button-row");
        HBox bottom = new HBox(countdown, queued);
        bottom.getStyleClass().add("inline");
        // Without a text box the buttons still sit at the bottom, where the thumb expects them.
        VBox.setVgrow(spacer, Priority.ALWAYS);
        spacer.managedProperty().bind(spacer.visibleProperty());
        overlay = new Overlay("approval", Pos.TOP_LEFT, true, heading, facts, note, file, text.node(), spacer, bottom,
                buttons);
        timer.setCycleCount(Timeline.INDEFINITE);
    }

    private static Label dim(String s) {
        Label l = new Label(s);
        l.getStyleClass().add("dim");
        l.setMinWidth(Region.USE_PREF_SIZE); // a label is never cut
        return l;
    }

    private static Label value(Label l) {
        l.getStyleClass().add("value");
        l.setMinWidth(Region.USE_PREF_SIZE);
        return l;
    }

    StackPane node() {
        return overlay.node();
    }

    /** Called after a prompt becomes visible (figures). */
    void onShown(Runnable r) {
        onShown = r;
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    /** What the text box shows, marks inline (tests). */
    String textShown() {
        return text.shown();
    }

    long marksShown() {
        return text.marks();
    }

    void push(ApprovalPrompt p) {
        prompts.addLast(p);
        if (prompts.size() == 1) {
            show();
        } else {
            updateQueued();
        }
    }

    /** The prompt {@code requestId} is over; returns it (null if it was not here). */
    ApprovalPrompt closed(String requestId) {
        ApprovalPrompt current = prompts.peekFirst();
        ApprovalPrompt gone = prompts.stream().filter(p -> p.requestId().equals(requestId)).findFirst().orElse(null);
        prompts.removeIf(p -> p.requestId().equals(requestId));
        if (prompts.isEmpty()) {
            overlay.setShowing(false);
            text.clear();
            timer.stop();
        } else if (current != null && current.requestId().equals(requestId)) {
            show();
        } else {
            updateQueued();
        }
        return gone;
    }

    /** The connection is gone: the appliance denies everything pending. */
    void clear() {
        prompts.clear();
        overlay.setShowing(false);
        text.clear();
        timer.stop();
    }

    private void show() {
        ApprovalPrompt p = prompts.peekFirst();
        String op = p.operation();
        boolean open = op.equals("OPEN") || op.equals("OPEN_FILE");
        String name = VisibleText.name(p.contact());
        heading.setText("“" + VisibleText.name(p.client()) + "” asks to " + Format.operation(op)
                + (open ? " from " : " for ") + name);
        contact.setText(name);
        contactId.setText(p.contactId().equals(p.contact()) ? "" : "  relay id " + VisibleText.name(p.contactId()));
        length.setText((p.lengthUpTo() ? "up to " : "") + Format.bytes(p.messageLength()));
        lengthName.setText(op.equals("SEAL_FILE") ? "File" : op.equals("OPEN_FILE") ? "Sealed file" : "Message");
        // An open uses no pad of ours: it verifies, decrypts and then destroys the sender's pad the
        // package used (its cost, charged to a standing approval); a file's is an upper bound.
        cost.setText((op.equals("OPEN_FILE") ? "up to " : "") + Format.bytes(p.padBytes()));
        usedWord.setText(open ? "of the sender's, destroyed once opened ·" : "used,");
        after.setText(Format.bytes(p.padRemainingAfter()));
        afterWord.setText(open ? "left from " + name : "left after");

        byte[] bytes = Base64.getDecoder().decode(p.text());
        boolean seal = op.equals("SEAL");
        text.node().setVisible(seal);
        spacer.setVisible(!seal);
        if (seal) {
            text.show(bytes);
            java.util.Arrays.fill(bytes, (byte) 0);
            int lines = VisibleText.lines(Base64.getDecoder().decode(p.text()));
            length.setText(Format.bytes(p.messageLength()) + (lines > 1 ? " · " + lines + " lines" : "")
                    + " · exactly as below");
        } else {
            text.clear();
        }
        file.setVisible(op.equals("SEAL_FILE"));
        fileName.setText("File “" + VisibleText.name(p.fileName().isEmpty() ? "(no name given)" : p.fileName())
                + "”, as the laptop names it");
        fingerprint.setText(p.fingerprint());

        note.setVisible(open);
        if (op.equals("OPEN")) {
            note.setText(p.readOnDevice() ? "Messages from " + name + " are read on this screen only: the laptop gets"
                    + " no text." : "“Read here only” keeps the text on this device: the laptop gets none.");
        } else if (op.equals("OPEN_FILE")) {
            note.setText("A file cannot be shown here: approving gives its content to the laptop.");
        }
        // An open offers "read here"; with the contact's setting on, that is the only way to open it.
        onDevice.setVisible(op.equals("OPEN"));
        approve.setVisible(!(op.equals("OPEN") && p.readOnDevice()));
        approve.setText(op.equals("OPEN") ? "Open on laptop" : "Approve");
        onDevice.setText(p.readOnDevice() ? "Read here" : "Read here only");
        approve.setDisable(false);
        onDevice.setDisable(false);
        deny.setDisable(false);
        updateQueued();
        tick();
        overlay.setShowing(true);
        timer.play();
        onShown.run();
    }

    private void updateQueued() {
        queued.setText(prompts.size() > 1 ? "  ·  " + (prompts.size() - 1) + " more waiting" : "");
        queued.setVisible(prompts.size() > 1);
    }

    private void tick() {
        ApprovalPrompt p = prompts.peekFirst();
        if (p == null) {
            return;
        }
        long left = p.deadlineEpochMillis() - System.currentTimeMillis();
        countdown.setText(left > 0 ? "Denied automatically in " + Format.seconds(left) : "Denied: no answer in time");
        if (left <= 0) {
            approve.setDisable(true);
            onDevice.setDisable(true);
        }
    }

    private void decide(boolean yes, boolean here) {
        ApprovalPrompt p = prompts.peekFirst();
        if (p == null) {
            return;
        }
        approve.setDisable(true);
        onDevice.setDisable(true);
        deny.setDisable(true);
        try {
            ui.client().send(id -> new KioskMessage.Decide(id, p.requestId(), yes, here));
        } catch (IOException e) {
            ui.toast("Could not reach the device: the request is denied");
            clear();
        }
    }
}
