package org.otpi.kiosk;

import java.util.Base64;
import java.util.List;
import javafx.animation.PauseTransition;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * Messages read on the device (DESIGN section 8): the ones kept in the vault for this screen only
 * (sender, when, size, until when it is kept), each opened in a reader and destroyed with a second
 * touch; how long new ones are kept; and "Write", which seals a message written here for the
 * laptop to carry as ciphertext. The reader drops its text when it closes.
 */
final class MessagesScreen {
    /** The keep choices: minutes, 0 = until destroyed. */
    static final long[] KEEP = {60, 24 * 60, 7 * 24 * 60, 30 * 24 * 60, 0};

    private final KioskUi ui;
    private final BorderPane root = new BorderPane();
    private final VBox list = new VBox();
    private final VBox tools = new VBox();
    private final ToggleGroup keep = new ToggleGroup();
    private final Label waiting = new Label();
    private final Reader reader;
    private List<Views.DeviceMessage> shown = List.of();
    private boolean updatingKeep;

    MessagesScreen(KioskUi ui) {
        this.ui = ui;
        this.reader = new Reader();
        list.getStyleClass().add("list");
        list.setId("inbox-list");
        ScrollPane scroll = new ScrollPane(list);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("scroll");

        Button write = new Button("Write a message");
        write.setId("write");
        write.getStyleClass().addAll("approve");
        write.setMaxWidth(Double.MAX_VALUE);
        write.setOnAction(e -> ui.compose());
        waiting.setId("outbox-waiting");
        waiting.setWrapText(true);
        waiting.getStyleClass().add("dim");
        Label keepTitle = new Label("Keep messages read here");
        keepTitle.getStyleClass().add("subtitle");
        VBox keepRows = new VBox();
        keepRows.getStyleClass().add("button-column");
        HBox row = new HBox();
        for (long m : KEEP) {
            ToggleButton t = new ToggleButton(keepText(m));
            t.setId("keep-" + m);
            t.setUserData(m);
            t.setToggleGroup(keep);
            t.getStyleClass().add("compact");
            t.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(t, Priority.ALWAYS);
            if (row.getChildren().size() == 2) {
                row.getStyleClass().add("button-row");
                keepRows.getChildren().add(row);
                row = new HBox();
            }
            row.getChildren().add(t);
        }
        row.getStyleClass().add("button-row");
        keepRows.getChildren().add(row);
        keep.selectedToggleProperty().addListener((o, was, now) -> {
            if (now == null) {
                if (was != null) {
                    was.setSelected(true); // always one choice
                }
                return;
            }
            if (!updatingKeep) {
                setKeep((long) now.getUserData());
            }
        });
        Label writeTitle = new Label("Write on the device");
        writeTitle.getStyleClass().add("subtitle");
        waiting.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        tools.getChildren().addAll(writeTitle, write, waiting, keepTitle, keepRows);
        tools.getStyleClass().addAll("card", "tools");
        root.setCenter(scroll);
        root.setRight(tools);
        root.getStyleClass().add("screen");
    }

    Node node() {
        return root;
    }

    /** The reader over every screen. */
    StackPane readerNode() {
        return reader.overlay.node();
    }

    boolean readerShowing() {
        return reader.overlay.isShowing();
    }

    String readerText() {
        return reader.text.shown();
    }

    List<Views.DeviceMessage> messages() {
        return shown;
    }

    /** Narrow screens: the tools column takes what the pads screen's does. */
    void width(double w) {
        double t = Math.max(300, w * 0.38);
        tools.setPrefWidth(t);
        tools.setMinWidth(t);
        tools.setMaxWidth(t);
    }

    static String keepText(long minutes) {
        if (minutes == 0) {
            return "until destroyed";
        }
        return minutes < 24 * 60 ? (minutes / 60) + " hour" + (minutes == 60 ? "" : "s")
                : (minutes / (24 * 60)) + (minutes == 24 * 60 ? " day" : " days");
    }

    void refresh() {
        ui.client().call(KioskMessage.GetInbox::new, KioskMessage.InboxReply.class)
                .whenComplete((r, error) -> ui.fx(() -> {
                    if (error == null) {
                        show(r);
                    }
                }));
    }

    private void show(KioskMessage.InboxReply r) {
        shown = r.messages();
        ui.inboxCount(shown.size());
        list.getChildren().clear();
        if (shown.isEmpty()) {
            Label none = new Label("No messages kept for this screen. Messages from a contact set to “read here”,"
                    + " or opened with “Read here only”, appear here and never reach the laptop.");
            none.setId("inbox-none");
            none.setWrapText(true);
            none.getStyleClass().add("dim");
            list.getChildren().add(none);
        }
        for (int i = shown.size() - 1; i >= 0; i--) { // newest first
            list.getChildren().add(card(shown.get(i)));
        }
        waiting.setText(r.outgoing() == 0 ? "Sealed here; the laptop only carries the package."
                : r.outgoing() + " written here wait" + (r.outgoing() == 1 ? "s" : "") + " for the laptop (otpi outbox).");
        updatingKeep = true;
        try {
            keep.getToggles().stream().filter(t -> (long) t.getUserData() == r.keepMinutes()).findFirst()
                    .ifPresentOrElse(t -> t.setSelected(true), () -> keep.selectToggle(null));
        } finally {
            updatingKeep = false;
        }
    }

    private Node card(Views.DeviceMessage m) {
        Label from = new Label("From " + org.otpi.protocol.kiosk.VisibleText.name(m.contact()));
        from.getStyleClass().add("subtitle");
        from.setWrapText(true);
        Label meta = new Label(Format.time(m.receivedAt()) + " · " + Format.bytes(m.length()));
        meta.getStyleClass().add("dim");
        Label until = new Label(m.expiresAt() == 0 ? "Kept until you destroy it"
                : "Destroyed by itself " + Format.time(m.expiresAt()));
        until.getStyleClass().add("dim");
        until.setWrapText(true);
        Button read = new Button("Read");
        read.setId("read-" + m.id());
        read.getStyleClass().add("approve");
        read.setOnAction(e -> reader.open(m));
        Button destroy = PadsScreen.confirmButton("Destroy", "Tap again", null, () -> destroy(m, null));
        destroy.setId("destroy-" + m.id());
        destroy.getStyleClass().add("deny");
        HBox actions = new HBox(read, destroy);
        actions.getStyleClass().add("button-row");
        actions.setAlignment(Pos.CENTER_RIGHT);
        VBox card = new VBox(from, meta, until, actions);
        card.getStyleClass().add("card");
        card.setId("message-" + m.id());
        return card;
    }

    private void destroy(Views.DeviceMessage m, Runnable after) {
        ui.client().call(id -> new KioskMessage.DestroyMessage(id, m.id()), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(() -> {
                    ui.toast(error == null ? "Message from " + m.contact() + " destroyed" : "Not destroyed: " + KioskUi.text(error));
                    if (after != null) {
                        after.run();
                    }
                    refresh();
                }));
    }

    private void setKeep(long minutes) {
        ui.client().call(id -> new KioskMessage.SetKeep(id, minutes), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(() -> ui.toast(error == null
                        ? "New messages read here are kept " + (minutes == 0 ? "until you destroy them" : "for " + keepText(minutes))
                        : "Not changed: " + KioskUi.text(error))));
    }

    /** Closes the reader and forgets its text (lock, disconnect). */
    void close() {
        reader.close();
    }

    /** One kept message, shown large; its text leaves the screen when the reader closes. */
    private final class Reader {
        final MessageText text = new MessageText("reader-text");
        final Label title = new Label();
        final Label meta = new Label();
        final Overlay overlay;
        Views.DeviceMessage current;

        Reader() {
            title.setId("reader-title");
            title.getStyleClass().add("title");
            title.setWrapText(true);
            meta.setId("reader-meta");
            meta.getStyleClass().add("dim");
            meta.setWrapText(true);
            Button close = new Button("Close");
            close.setId("reader-close");
            close.getStyleClass().add("big");
            close.setOnAction(e -> close());
            Button destroy = PadsScreen.confirmButton("Destroy", "Tap again to destroy", null, () -> {
                if (current != null) {
                    destroy(current, this::close);
                }
            });
            destroy.setId("reader-destroy");
            destroy.getStyleClass().addAll("big", "deny");
            for (Button b : new Button[] {close, destroy}) {
                b.setMaxWidth(Double.MAX_VALUE);
                HBox.setHgrow(b, Priority.ALWAYS);
            }
            HBox buttons = new HBox(destroy, close);
            buttons.getStyleClass().add("button-row");
            VBox.setVgrow(text.node(), Priority.ALWAYS);
            overlay = new Overlay("reader", Pos.TOP_LEFT, true, title, meta, text.node(), buttons);
        }

        void open(Views.DeviceMessage m) {
            current = m;
            ui.client().call(id -> new KioskMessage.ReadMessage(id, m.id()), KioskMessage.MessageText.class)
                    .whenComplete((r, error) -> ui.fx(() -> {
                        if (error != null) {
                            ui.toast("Cannot show it: " + KioskUi.text(error));
                            refresh();
                            return;
                        }
                        byte[] bytes = Base64.getDecoder().decode(r.text());
                        title.setText("From " + org.otpi.protocol.kiosk.VisibleText.name(r.contact()));
                        meta.setText("Received " + Format.time(m.receivedAt()) + " · " + Format.bytes(m.length())
                                + " · read on this device only"
                                + (m.expiresAt() == 0 ? "" : " · destroyed by itself " + Format.time(m.expiresAt())));
                        text.show(bytes);
                        java.util.Arrays.fill(bytes, (byte) 0);
                        overlay.setShowing(true);
                    }));
        }

        void close() {
            text.clear();
            current = null;
            overlay.setShowing(false);
        }
    }
}
