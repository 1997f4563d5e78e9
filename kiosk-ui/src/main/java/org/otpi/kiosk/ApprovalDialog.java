package org.otpi.kiosk;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.ApprovalPrompt;

/**
 * Approve or deny one use of pad (DESIGN law 5), over every other screen. Shows who asks, for
 * which contact, what, how long the message is, the pad it burns and what is left after, and a
 * countdown: at zero the appliance denies. The appliance's {@code ApprovalClosed} closes the
 * dialog, whoever decided (screen, buttons, timeout). Prompts queue, oldest first.
 */
final class ApprovalDialog {
    private final KioskUi ui;
    private final Overlay overlay;
    private final Label heading = new Label();
    private final Label contact = new Label();
    private final Label length = new Label();
    private final Label cost = new Label();
    private final Label after = new Label();
    private final Label countdown = new Label();
    private final Label queued = new Label();
    private final Button approve = new Button("Approve");
    private final Button deny = new Button("Deny");
    private final Deque<ApprovalPrompt> prompts = new ArrayDeque<>();
    private final Timeline timer = new Timeline(new KeyFrame(Duration.millis(200), e -> tick()));
    private Runnable onShown = () -> { };

    ApprovalDialog(KioskUi ui) {
        this.ui = ui;
        heading.getStyleClass().add("title");
        heading.setWrapText(true);
        heading.setId("approval-heading");
        contact.setId("approval-contact");
        length.setId("approval-length");
        cost.setId("approval-cost");
        after.setId("approval-after");
        countdown.setId("approval-countdown");
        countdown.getStyleClass().add("warn");
        queued.setId("approval-queued");
        approve.setId("approve");
        deny.setId("deny");
        approve.getStyleClass().addAll("big", "approve");
        deny.getStyleClass().addAll("big", "deny");
        approve.setMaxWidth(Double.MAX_VALUE);
        deny.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(approve, Priority.ALWAYS);
        HBox.setHgrow(deny, Priority.ALWAYS);
        approve.setOnAction(e -> decide(true));
        deny.setOnAction(e -> decide(false));

        GridPane facts = new GridPane();
        facts.getStyleClass().add("facts");
        addRow(facts, 0, "Contact", contact);
        addRow(facts, 1, "Message", length);
        addRow(facts, 2, "Pad used", cost);
        addRow(facts, 3, "Pad left after", after);
        HBox buttons = new HBox(deny, approve);
        buttons.getStyleClass().add("button-row");
        overlay = new Overlay("approval", Pos.CENTER_LEFT, true, heading, facts, countdown, buttons, queued);
        timer.setCycleCount(Timeline.INDEFINITE);
    }

    private static void addRow(GridPane g, int row, String name, Label value) {
        Label n = new Label(name);
        n.getStyleClass().add("dim");
        value.getStyleClass().add("value");
        g.addRow(row, n, value);
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

    void push(ApprovalPrompt p) {
        prompts.addLast(p);
        if (prompts.size() == 1) {
            show();
        } else {
            updateQueued();
        }
    }

    void closed(String requestId) {
        ApprovalPrompt current = prompts.peekFirst();
        prompts.removeIf(p -> p.requestId().equals(requestId));
        if (prompts.isEmpty()) {
            overlay.setShowing(false);
            timer.stop();
        } else if (current != null && current.requestId().equals(requestId)) {
            show();
        } else {
            updateQueued();
        }
    }

    /** The connection is gone: the appliance denies everything pending. */
    void clear() {
        prompts.clear();
        overlay.setShowing(false);
        timer.stop();
    }

    private void show() {
        ApprovalPrompt p = prompts.peekFirst();
        heading.setText("“" + p.client() + "” asks to " + Format.operation(p.operation()));
        contact.setText(p.contact());
        length.setText(Format.bytes(p.messageLength()));
        cost.setText(switch (p.operation()) {
            case "OPEN" -> Format.bytes(p.padBytes()) + " of the sender's (destroyed after reading)";
            case "OPEN_FILE" -> "up to " + Format.bytes(p.padBytes()) + " of the sender's (destroyed after reading)";
            default -> Format.bytes(p.padBytes());
        });
        after.setText(Format.bytes(p.padRemainingAfter()));
        approve.setDisable(false);
        deny.setDisable(false);
        updateQueued();
        tick();
        overlay.setShowing(true);
        timer.play();
        onShown.run();
    }

    private void updateQueued() {
        queued.setText(prompts.size() > 1 ? (prompts.size() - 1) + " more waiting" : "");
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
        }
    }

    private void decide(boolean yes) {
        ApprovalPrompt p = prompts.peekFirst();
        if (p == null) {
            return;
        }
        approve.setDisable(true);
        deny.setDisable(true);
        try {
            ui.client().send(id -> new KioskMessage.Decide(id, p.requestId(), yes));
        } catch (IOException e) {
            ui.toast("Could not reach the device: the request is denied");
            clear();
        }
    }
}
