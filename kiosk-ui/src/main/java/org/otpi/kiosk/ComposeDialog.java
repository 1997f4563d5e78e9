package org.otpi.kiosk;

import java.nio.charset.StandardCharsets;
import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * Write on the device (DESIGN section 8): choose the contact, type with the on-screen keyboard,
 * seal. The touch on "Seal" is the approval (law 5): it shows the pad the message costs. The
 * package stays on the device until the laptop carries it through the relay; the laptop never
 * gets the text. The text area is cleared when the dialog closes (its String may stay in the heap
 * until collected, docs/kiosk.md limits).
 */
final class ComposeDialog {
    private final KioskUi ui;
    private final Overlay overlay;
    private final ComboBox<String> to = new ComboBox<>();
    private final TextArea text = new TextArea();
    private final Label cost = new Label();
    private final Label message = new Label();
    private final Button seal = new Button("Seal");
    private final Button cancel = new Button("Cancel");
    private List<Views.Contact> contacts = List.of();

    ComposeDialog(KioskUi ui) {
        this.ui = ui;
        Label title = new Label("Write on the device");
        title.getStyleClass().add("subtitle");
        to.setId("compose-to");
        to.setPromptText("to whom");
        to.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(to, Priority.ALWAYS);
        text.setId("compose-text");
        text.setWrapText(true);
        text.setPromptText("the message: only its sealed package leaves this device");
        text.setPrefRowCount(3);
        text.getStyleClass().add("compose-text");
        cost.setId("compose-cost");
        cost.getStyleClass().add("dim");
        message.setId("compose-message");
        message.setWrapText(true);
        message.getStyleClass().add("warn");
        message.managedProperty().bind(message.visibleProperty());
        message.setVisible(false);
        seal.setId("compose-seal");
        seal.getStyleClass().add("approve");
        cancel.setId("compose-cancel");
        for (Button b : new Button[] {cancel, seal}) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }
        seal.setOnAction(e -> seal());
        cancel.setOnAction(e -> close());
        text.textProperty().addListener((o, a, b) -> updateCost());
        to.valueProperty().addListener((o, a, b) -> updateCost());
        HBox head = new HBox(title, to);
        head.getStyleClass().add("button-row");
        head.setAlignment(Pos.CENTER_LEFT);
        HBox buttons = new HBox(cancel, seal);
        buttons.getStyleClass().add("button-row");
        overlay = new Overlay("compose", Pos.TOP_LEFT, false, head, text, cost, message, buttons);
        overlay.place(Pos.TOP_CENTER); // leaves room for the on-screen keyboard
    }

    StackPane node() {
        return overlay.node();
    }

    boolean isShowing() {
        return overlay.isShowing();
    }

    /** Opens for the contacts that can send now (not retired, not receive-only). */
    void open(List<Views.Contact> all) {
        contacts = all.stream().filter(c -> !c.expired() && !c.receiveOnly()).toList();
        to.getItems().setAll(contacts.stream().map(Views.Contact::contact).toList());
        if (contacts.size() == 1) {
            to.setValue(contacts.get(0).contact());
        } else if (!to.getItems().contains(to.getValue())) {
            to.setValue(null);
        }
        text.clear();
        message.setVisible(false);
        seal.setDisable(false);
        cancel.setDisable(false);
        updateCost();
        overlay.setShowing(true);
        if (contacts.isEmpty()) {
            refuse("No pad can send now: generate or receive a pad, or skip ahead on a restored one.");
        }
        text.requestFocus();
    }

    void close() {
        text.clear();
        overlay.setShowing(false);
    }

    private void updateCost() {
        int n = text.getText().getBytes(StandardCharsets.UTF_8).length;
        Views.Contact c = contacts.stream().filter(x -> x.contact().equals(to.getValue())).findFirst().orElse(null);
        String left = c == null ? "" : " · " + Format.bytes(c.sendRemaining()) + " left";
        cost.setText(Format.bytes(n) + " · uses " + Format.bytes(n + 32L) + " of pad" + left);
        seal.setText(c == null ? "Seal" : "Seal for " + c.contact());
    }

    private void refuse(String why) {
        message.setText(why);
        message.setVisible(true);
    }

    private void seal() {
        String contact = to.getValue();
        String body = text.getText();
        if (contact == null) {
            refuse("Choose whom it is for.");
            return;
        }
        if (body.isEmpty()) {
            refuse("Write something first.");
            return;
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > KioskMessage.Compose.MAX_TEXT) {
            refuse("Too long: at most " + Format.bytes(KioskMessage.Compose.MAX_TEXT) + ".");
            return;
        }
        seal.setDisable(true);
        cancel.setDisable(true);
        message.setVisible(false);
        ui.client().call(id -> new KioskMessage.Compose(id, contact, body), KioskMessage.Composed.class)
                .whenComplete((done, error) -> ui.fx(() -> {
                    cancel.setDisable(false);
                    if (error == null) {
                        close();
                        ui.toast("Sealed for " + contact + " (" + Format.bytes(done.padUsed()) + " of pad). It waits"
                                + " here until the laptop carries it.");
                    } else {
                        seal.setDisable(false);
                        refuse("Not sealed: " + KioskUi.text(error));
                    }
                }));
    }
}
