package org.otpi.kiosk;

import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.scene.Node;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.layout.HBox;
import javafx.scene.layout.VBox;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/** The security log, newest first: forgeries, replays, skips, health failures, tamper. */
final class LogScreen {
    private static final java.util.Set<String> ALARMING =
            java.util.Set.of("forgery", "replay", "skip", "health", "tamper", "panic", "wipe", "pin");

    private final KioskUi ui;
    private final ObservableList<Views.LogEntry> entries = FXCollections.observableArrayList();
    private final ListView<Views.LogEntry> list = new ListView<>(entries);
    private long lastSeq;

    LogScreen(KioskUi ui) {
        this.ui = ui;
        list.setId("log-list");
        list.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Views.LogEntry e, boolean empty) {
                super.updateItem(e, empty);
                if (empty || e == null) {
                    setGraphic(null);
                    return;
                }
                Label kind = new Label(e.kind().toUpperCase(java.util.Locale.ROOT));
                kind.getStyleClass().addAll("log-kind", ALARMING.contains(e.kind()) ? "bad" : "dim");
                Label when = new Label(Format.time(e.epochMillis()) + (e.contact().isEmpty() ? "" : "  ·  " + e.contact()));
                when.getStyleClass().add("dim");
                Label text = new Label(e.text());
                text.setWrapText(true);
                text.setMaxWidth(list.getWidth() - 40);
                setGraphic(new VBox(new HBox(kind, when), text));
                getStyleClass().add("log-cell");
            }
        });
    }

    Node node() {
        return list;
    }

    int size() {
        return entries.size();
    }

    void refresh() {
        long after = lastSeq;
        ui.client().call(id -> new KioskMessage.GetLog(id, after, 500), KioskMessage.LogReply.class)
                .whenComplete((r, error) -> ui.fx(() -> {
                    if (error != null) {
                        return;
                    }
                    for (Views.LogEntry e : r.entries()) {
                        if (e.seq() > lastSeq) {
                            entries.add(0, e);
                            lastSeq = e.seq();
                        }
                    }
                }));
    }
}
