package org.otpi.kiosk;

import java.util.List;
import javafx.animation.PauseTransition;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * Contacts and their pads: a gauge per direction, low-pad warnings; generate (with progress and
 * cancel), hand over and receive in person, import, export/backup, expire and delete. Destructive buttons ask for a second touch.
 */
final class PadsScreen {
    private final KioskUi ui;
    private final BorderPane root = new BorderPane();
    private final VBox list = new VBox();
    private final VBox tools = new VBox();
    private final TextField newContact = new TextField();
    private final ToggleGroup sizes = new ToggleGroup();
    private final ProgressBar generation = new ProgressBar(0);
    private final Label generationText = new Label();
    private final Button generate = new Button("Generate");
    private final Button cancel = new Button("Cancel");
    private final TextField mediaPath = new TextField("/media/otpi-usb");
    private long generateId = -1;

    PadsScreen(KioskUi ui) {
        this.ui = ui;
        list.getStyleClass().add("list");
        list.setId("pad-list");
        ScrollPane scroll = new ScrollPane(list);
        scroll.setFitToWidth(true);
        scroll.getStyleClass().add("scroll");

        newContact.setId("generate-contact");
        newContact.setPromptText("the other device's name");
        HBox sizeRow = new HBox();
        sizeRow.getStyleClass().add("button-row");
        for (long mib : new long[] {1, 16, 256}) {
            ToggleButton t = new ToggleButton(mib + " MiB");
            t.setId("size-" + mib);
            t.setUserData(mib << 20);
            t.setToggleGroup(sizes);
            t.getStyleClass().add("compact");
            t.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(t, Priority.ALWAYS);
            sizeRow.getChildren().add(t);
        }
        sizes.getToggles().get(0).setSelected(true);
        generate.setId("generate");
        generate.getStyleClass().add("approve");
        cancel.setId("generate-cancel");
        cancel.setDisable(true);
        generate.setOnAction(e -> startGeneration());
        cancel.setOnAction(e -> cancelGeneration());
        generation.setId("generate-progress");
        generation.setMaxWidth(Double.MAX_VALUE);
        generationText.setId("generate-text");
        generationText.setWrapText(true);
        HBox genButtons = new HBox(generate, cancel);
        genButtons.getStyleClass().add("button-row");
        for (Button b : List.of(generate, cancel)) {
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }

        mediaPath.setId("media-path");
        Button importPad = new Button("Import");
        importPad.setId("import");
        importPad.setOnAction(e -> simple(id -> new KioskMessage.ImportPad(id, mediaPath.getText()), "Pad imported"));
        Button export = new Button("Backup");
        export.setId("export");
        export.setOnAction(e -> ui.backup(mediaPath.getText().trim()));
        Button receive = new Button("Receive");
        receive.setId("receive");
        receive.setOnAction(e -> ui.receivePad(mediaPath.getText().trim()));
        HBox mediaButtons = new HBox(receive, importPad, export);
        mediaButtons.getStyleClass().add("button-row");
        for (Button b : List.of(receive, importPad, export)) {
            b.getStyleClass().add("compact"); // three to a row on the 800x480 screen
            b.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(b, Priority.ALWAYS);
        }
        Label genTitle = new Label("New pad");
        genTitle.getStyleClass().add("subtitle");
        Label mediaTitle = new Label("USB medium");
        mediaTitle.getStyleClass().add("subtitle");
        tools.getChildren().addAll(genTitle, newContact, sizeRow, genButtons, generation, generationText,
                mediaTitle, mediaPath, mediaButtons);
        tools.getStyleClass().addAll("card", "tools");
        root.setCenter(scroll);
        root.setRight(tools);
        root.getStyleClass().add("screen");
    }

    Node node() {
        return root;
    }

    /** Narrow screens: fit the tools column to a third of the width. */
    void width(double w) {
        double t = Math.max(300, w * 0.38);
        tools.setPrefWidth(t);
        tools.setMinWidth(t);
        tools.setMaxWidth(t);
    }

    void refresh() {
        ui.client().call(KioskMessage.GetContacts::new, KioskMessage.ContactsReply.class)
                .whenComplete((r, error) -> ui.fx(() -> {
                    if (error == null) {
                        try {
                            show(r.contacts());
                        } catch (RuntimeException e) {
                            org.tinylog.Logger.error(e, "cannot show the pads");
                        }
                        ui.contactsLoaded(r.contacts());
                    }
                }));
    }

    private void show(List<Views.Contact> contacts) {
        list.getChildren().clear();
        if (contacts.isEmpty()) {
            list.getChildren().add(new Label("No pads yet: generate one, or import one from a USB medium."));
        }
        // The ones that need the person first: fresh pads still to hand over, low on pad, then
        // expired, then the rest.
        List<Views.Contact> sorted = contacts.stream().sorted(java.util.Comparator
                .comparing((Views.Contact c) -> !handOverable(c))
                .thenComparing((Views.Contact c) -> !(c.lowPad() && !c.expired()))
                .thenComparing(c -> !c.expired())).toList();
        for (Views.Contact c : sorted) {
            list.getChildren().add(card(c));
        }
    }

    private Node card(Views.Contact c) {
        // The name on a line of its own, wrapped, never cut: it is how the person tells pads apart.
        Label name = new Label(org.otpi.protocol.kiosk.VisibleText.name(c.contact()));
        name.setId("name-" + c.contact());
        name.getStyleClass().add("subtitle");
        name.setWrapText(true);
        name.setMinHeight(javafx.scene.layout.Region.USE_PREF_SIZE);
        Label meta = new Label(c.source() + " · pad " + shortId(c.padId())
                + (c.remoteId().equals(c.contact()) ? "" : " · relay id " + org.otpi.protocol.kiosk.VisibleText.name(c.remoteId())));
        meta.getStyleClass().add("dim");
        meta.setWrapText(true);

        GridPane gauges = new GridPane();
        gauges.getStyleClass().add("gauges");
        gauge(gauges, 0, "Send", "send", c, c.sendRemaining(), c.sendTotal(), c.lowPad());
        gauge(gauges, 1, "Receive", "receive", c, c.receiveRemaining(), c.receiveTotal(), false);

        VBox card = new VBox(name, meta, gauges);
        if (c.expired()) {
            Label expired = new Label("Expired: no further seals");
            expired.getStyleClass().add("bad");
            card.getChildren().add(expired);
        } else if (c.receiveOnly()) {
            Label ro = new Label("Receive only: restored from a backup. It opens messages, and seals again after "
                    + c.contact() + "'s next message, or once you skip ahead.");
            ro.setId("receive-only-" + c.contact());
            ro.getStyleClass().add("warn");
            ro.setWrapText(true);
            card.getChildren().add(ro);
        } else if (c.lowPad()) {
            Label low = new Label("⚠ Low pad: generate or exchange a new pad soon");
            low.setId("low-" + c.contact());
            low.getStyleClass().add("warn");
            low.setWrapText(true);
            card.getChildren().add(low);
        }
        ToggleButton here = new ToggleButton("Read here");
        here.setId("read-here-" + c.contact());
        here.setSelected(c.readOnDevice());
        here.getStyleClass().add("compact");
        here.setOnAction(e -> {
            boolean on = here.isSelected();
            ui.client().call(id -> new KioskMessage.SetReadOnDevice(id, c.contact(), on), KioskMessage.Done.class)
                    .whenComplete((d, error) -> ui.fx(() -> {
                        if (error != null) {
                            here.setSelected(!on);
                        }
                        ui.toast(error != null ? "Not changed: " + KioskUi.text(error) : on
                                ? "Messages from " + c.contact() + " are now read on this screen only"
                                : "Messages from " + c.contact() + " go to the laptop again");
                    }));
        });
        Button expire = confirmButton("Expire", "Tap again", warning("Tap Expire again to retire the pad with "
                + c.contact() + ": no further messages to " + c.contact() + "."),
                () -> simple(id -> new KioskMessage.ExpirePad(id, c.contact()), "Pad with " + c.contact() + " expired"));
        expire.setId("expire-" + c.contact());
        expire.setDisable(c.expired());
        Label deleteWarning = warning("Tap Delete again to destroy the pad shared with " + c.contact()
                + ", all of it, for good.");
        Button delete = confirmButton("Delete", "Tap again", deleteWarning,
                () -> simple(id -> new KioskMessage.DeletePad(id, c.contact()), "Pad with " + c.contact() + " destroyed"));
        delete.setId("delete-" + c.contact());
        delete.getStyleClass().add("deny");
        Label expireWarning = (Label) expire.getProperties().get(HINT);
        HBox actions = new HBox(here, expire, delete);
        for (javafx.scene.control.ButtonBase b : List.of(here, expire, delete)) {
            b.getStyleClass().add("compact");
        }
        if (c.receiveOnly() && !c.expired()) {
            Button skip = new Button("Skip ahead…");
            skip.setId("skip-ahead-" + c.contact());
            skip.getStyleClass().addAll("approve", "compact");
            skip.setOnAction(e -> ui.skipAhead(c));
            actions.getChildren().add(0, skip);
        } else if (handOverable(c)) {
            // A fresh pad made here still has to reach the other device (docs/kiosk.md).
            Button handOver = new Button("Hand over");
            handOver.setId("handover-" + c.contact());
            handOver.getStyleClass().addAll("approve", "compact");
            handOver.setOnAction(e -> ui.handOver(c.contact(), mediaPath.getText().trim()));
            actions.getChildren().add(0, handOver);
        }
        actions.getStyleClass().add("button-row");
        actions.setAlignment(Pos.CENTER_RIGHT);
        card.getChildren().addAll(expireWarning, deleteWarning, actions);
        card.getStyleClass().add("card");
        card.setId("pad-" + c.contact());
        return card;
    }

    /** The pad id as the person compares it: the first 16 hex digits in groups of four. */
    static String shortId(String padId) {
        String h = padId.length() > 16 ? padId.substring(0, 16) : padId;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < h.length(); i += 4) {
            b.append(i == 0 ? "" : " ").append(h, i, Math.min(h.length(), i + 4));
        }
        return b + (padId.length() > 16 ? "…" : "");
    }

    /** A hidden warning line that a destructive button shows while it waits for its second touch. */
    private static Label warning(String text) {
        Label l = new Label(text);
        l.getStyleClass().add("bad");
        l.setWrapText(true);
        l.setVisible(false);
        l.managedProperty().bind(l.visibleProperty());
        return l;
    }

    /** Never used, not expired and made on this device: the pads the exchange hands over. */
    static boolean handOverable(Views.Contact c) {
        return !c.expired() && !c.source().equals("imported") && c.sendRemaining() == c.sendTotal()
                && c.receiveRemaining() == c.receiveTotal();
    }

    private static void gauge(GridPane g, int row, String label, String key, Views.Contact c, long left, long total,
                              boolean low) {
        Label name = new Label(label);
        name.getStyleClass().add("dim");
        ProgressBar bar = new ProgressBar(total == 0 ? 0 : (double) left / total);
        bar.setId("gauge-" + key + "-" + c.contact());
        bar.getStyleClass().add("gauge");
        if (low) {
            bar.getStyleClass().add("low");
        }
        bar.setMaxWidth(Double.MAX_VALUE);
        GridPane.setHgrow(bar, Priority.ALWAYS);
        Label text = new Label(Format.bytes(left) + " of " + Format.bytes(total));
        text.setId("left-" + key + "-" + c.contact());
        text.setUserData(left);
        g.addRow(row, name, bar, text);
    }

    /** Where a confirm button keeps the warning it shows while armed. */
    static final String HINT = "otpi-confirm-hint";

    /**
     * A destructive button that asks for a second touch: the first shows {@code confirm} (and
     * {@code hint}, a line saying what exactly will be destroyed) for three seconds.
     */
    static Button confirmButton(String text, String confirm, Label hint, Runnable action) {
        Button b = new Button(text);
        if (hint != null) {
            b.getProperties().put(HINT, hint);
        }
        PauseTransition reset = new PauseTransition(Duration.seconds(3));
        reset.setOnFinished(e -> {
            b.setText(text);
            if (hint != null) {
                hint.setVisible(false);
            }
        });
        b.setOnAction(e -> {
            if (b.getText().equals(confirm)) {
                reset.stop();
                b.setText(text);
                if (hint != null) {
                    hint.setVisible(false);
                }
                action.run();
            } else {
                b.setText(confirm);
                if (hint != null) {
                    hint.setVisible(true);
                }
                reset.playFromStart();
            }
        });
        return b;
    }

    private void startGeneration() {
        String contact = newContact.getText().trim();
        if (contact.isEmpty()) {
            generationText.setText("Type the contact's name first.");
            return;
        }
        long size = (long) sizes.getSelectedToggle().getUserData();
        generate.setDisable(true);
        cancel.setDisable(false);
        generation.setProgress(0);
        generationText.setText("Generating " + Format.bytes(size) + " for " + contact + "…");
        var call = ui.client().call(id -> {
            generateId = id;
            return new KioskMessage.GeneratePad(id, contact, size);
        }, KioskMessage.Done.class, p -> ui.fx(() -> {
            generation.setProgress((double) p.done() / p.total());
            generationText.setText(Format.bytes(p.done()) + " of " + Format.bytes(p.total()));
        }));
        call.whenComplete((done, error) -> ui.fx(() -> {
            generate.setDisable(false);
            cancel.setDisable(true);
            generateId = -1;
            if (error == null) {
                generation.setProgress(1);
                generationText.setText("New pad for " + contact + " ready: “Hand over” takes it to " + contact
                        + "'s device.");
                newContact.clear();
            } else {
                generationText.setText("Not generated: " + KioskUi.text(error));
            }
        }));
    }

    private void cancelGeneration() {
        long id = generateId;
        if (id >= 0) {
            ui.client().call(x -> new KioskMessage.CancelGenerate(x, id), KioskMessage.Done.class);
        }
    }

    private void simple(java.util.function.LongFunction<KioskMessage.Request> request, String okText) {
        ui.client().call(request, KioskMessage.Done.class).whenComplete((d, error) -> ui.fx(() ->
                ui.toast(error == null ? okText : "Failed: " + KioskUi.text(error))));
    }
}
