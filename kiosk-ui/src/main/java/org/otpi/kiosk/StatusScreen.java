package org.otpi.kiosk;

import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/** Device id, vault state, paired clients (each can be unpaired), tunnel links, entropy sources. */
final class StatusScreen {
    private final KioskUi ui;
    private final GridPane grid = new GridPane();
    private final ScrollPane root = new ScrollPane(grid);
    private Views.Status last;

    StatusScreen(KioskUi ui) {
        this.ui = ui;
        grid.setId("status-grid");
        grid.getStyleClass().addAll("facts", "screen");
        root.setFitToWidth(true);
        root.getStyleClass().add("scroll");
    }

    Node node() {
        return root;
    }

    Views.Status last() {
        return last;
    }

    void refresh() {
        ui.client().call(KioskMessage.GetStatus::new, KioskMessage.StatusReply.class)
                .whenComplete((r, error) -> ui.fx(() -> {
                    if (error == null) {
                        show(r.status());
                    }
                }));
    }

    private void show(Views.Status s) {
        last = s;
        ui.status(s);
        grid.getChildren().clear();
        int row = 0;
        row(row++, "Device", value(s.deviceId(), "status-device", null));
        row(row++, "Vault", value(switch (s.vault()) {
            case UNLOCKED -> "Unlocked";
            case LOCKED -> "Locked";
            case SETUP_NEEDED -> "Not set up yet";
            case NO_MEDIUM -> "No vault medium";
        }, "status-vault", s.unlocked() ? "good" : "warn"));
        VBox clients = new VBox();
        if (s.pairedClients().isEmpty()) {
            clients.getChildren().add(value("none paired", null, "dim"));
        }
        s.pairedClients().forEach(c -> clients.getChildren().add(client(c)));
        row(row++, "Paired clients", clients);
        VBox tunnels = new VBox();
        if (s.tunnels().isEmpty()) {
            tunnels.getChildren().add(value("none", null, "dim"));
        }
        s.tunnels().forEach(t -> tunnels.getChildren().add(value(t.name() + " → " + t.peer() + ": "
                + (t.up() ? "up" : "down") + ", " + Format.bytes(t.keyBytesRemaining()) + " of key left",
                null, t.up() ? "good" : "warn")));
        row(row++, "Tunnel links", tunnels);
        VBox entropy = new VBox();
        s.entropy().forEach(e -> entropy.getChildren().add(value(e.name() + ": "
                + (e.healthy() ? "healthy" : "FAILING") + " (" + e.detail() + ")", null, e.healthy() ? "good" : "bad")));
        row(row++, "Entropy", entropy);
        if (!s.alarm().isEmpty()) {
            row(row, "Alarm", value(s.alarm(), "status-alarm", "bad"));
        }
    }

    /** A paired laptop, with Unpair (second touch): its token is refused from its next request. */
    private Node client(String name) {
        Label l = value(name, null, null);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button unpair = PadsScreen.confirmButton("Unpair", "Tap again to unpair", null, () -> ui.client()
                .call(id -> new KioskMessage.RevokeClient(id, name), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(() -> {
                    ui.toast(error == null ? "Unpaired: " + name + " can no longer use this device"
                            : "Failed: " + KioskUi.text(error));
                    refresh();
                })));
        unpair.setId("unpair-" + name);
        unpair.getStyleClass().add("deny");
        HBox row = new HBox(l, spacer, unpair);
        row.setAlignment(Pos.CENTER_LEFT);
        return row;
    }

    private void row(int row, String name, Node value) {
        Label n = new Label(name);
        n.getStyleClass().add("dim");
        grid.addRow(row, n, value);
    }

    private static Label value(String text, String id, String style) {
        Label l = new Label(text);
        l.setWrapText(true);
        l.getStyleClass().add("value");
        if (id != null) {
            l.setId(id);
        }
        if (style != null) {
            l.getStyleClass().add(style);
        }
        return l;
    }
}
