package org.otpi.kiosk;

import java.util.List;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * Standing approvals: "contact X, up to N bytes, for T minutes" without asking each time.
 * Active grants stay listed with what is left and what seals and opens took (both by pad cost);
 * one touch revokes.
 */
final class StandingScreen {
    private final KioskUi ui;
    private final VBox root = new VBox();
    private final ComboBox<String> contact = new ComboBox<>();
    private final ToggleGroup budget = new ToggleGroup();
    private final ToggleGroup minutes = new ToggleGroup();
    private final VBox active = new VBox();
    private final java.util.Map<String, HBox> rows = new java.util.LinkedHashMap<>();
    private final Label none = new Label("None: every use of pad is asked for.");
    private List<Views.Grant> grants = List.of();

    StandingScreen(KioskUi ui) {
        this.ui = ui;
        contact.setId("grant-contact");
        contact.setPromptText("contact");
        contact.setMaxWidth(Double.MAX_VALUE);
        HBox budgets = choices(budget, "budget-", new long[] {1 << 10, 10 << 10, 100 << 10, 1 << 20}, true);
        HBox durations = choices(minutes, "minutes-", new long[] {5, 15, 60, 240}, false);
        Button grant = new Button("Grant");
        grant.setId("grant");
        grant.getStyleClass().add("approve");
        grant.setMaxWidth(Double.MAX_VALUE);
        grant.setOnAction(e -> grant());
        Label title = new Label("Allow without asking");
        title.getStyleClass().add("subtitle");
        Label activeTitle = new Label("Active");
        activeTitle.getStyleClass().add("subtitle");
        active.setId("grant-list");
        none.setId("grant-none");
        none.getStyleClass().add("dim");
        active.getChildren().add(none);
        active.getStyleClass().add("list");
        HBox pick = new HBox(contact, grant);
        pick.getStyleClass().add("button-row");
        HBox.setHgrow(contact, Priority.ALWAYS);
        HBox.setHgrow(grant, Priority.ALWAYS);
        VBox form = new VBox(title, pick, budgets, durations);
        form.getStyleClass().add("card");
        root.getChildren().addAll(form, activeTitle, active);
        root.getStyleClass().add("screen");
    }

    private static HBox choices(ToggleGroup group, String idPrefix, long[] values, boolean bytes) {
        HBox row = new HBox();
        row.getStyleClass().add("button-row");
        for (long v : values) {
            ToggleButton t = new ToggleButton(bytes ? "up to " + Format.bytes(v) : v < 60 ? v + " min" : (v / 60) + " h");
            t.setId(idPrefix + v);
            t.setUserData(v);
            t.setToggleGroup(group);
            t.setMaxWidth(Double.MAX_VALUE);
            HBox.setHgrow(t, Priority.ALWAYS);
            row.getChildren().add(t);
        }
        group.getToggles().get(1).setSelected(true);
        return row;
    }

    Node node() {
        return root;
    }

    void contacts(List<Views.Contact> contacts) {
        String selected = contact.getValue();
        contact.getItems().setAll(contacts.stream().filter(c -> !c.expired()).map(Views.Contact::contact).toList());
        if (selected != null && contact.getItems().contains(selected)) {
            contact.setValue(selected);
        }
    }

    void refresh() {
        ui.client().call(KioskMessage.GetGrants::new, KioskMessage.GrantsReply.class)
                .whenComplete((r, error) -> ui.fx(() -> {
                    if (error == null) {
                        grants = r.grants();
                        show();
                    }
                }));
    }

    List<Views.Grant> grants() {
        return grants;
    }

    /** Updates rows in place (a row under the person's finger must not be replaced). */
    private void show() {
        long now = System.currentTimeMillis();
        java.util.Set<String> ids = new java.util.HashSet<>();
        grants.forEach(g -> ids.add(g.id()));
        rows.keySet().removeIf(id -> {
            if (!ids.contains(id)) {
                active.getChildren().remove(rows.get(id));
                return true;
            }
            return false;
        });
        for (Views.Grant g : grants) {
            HBox row = rows.computeIfAbsent(g.id(), id -> row(g));
            if (!active.getChildren().contains(row)) {
                active.getChildren().add(row);
            }
            ((Label) row.getChildren().get(0)).setText(g.contact() + ": " + Format.bytes(g.remainingBytes()) + " of "
                    + Format.bytes(g.budgetBytes()) + " left" + used(g) + ", ends in "
                    + Format.seconds(g.expiresEpochMillis() - now));
        }
        none.setVisible(grants.isEmpty());
        none.setManaged(grants.isEmpty());
        ui.grantsShown(grants);
    }

    /** What the grant was charged, by pad cost: seals and opens both count. */
    static String used(Views.Grant g) {
        if (g.usedBytes() == 0) {
            return " (seals and opens count by pad cost)";
        }
        return " (used: seals " + Format.bytes(g.usedBytes() - g.openedBytes()) + ", opens "
                + Format.bytes(g.openedBytes()) + ")";
    }

    private HBox row(Views.Grant g) {
        Label what = new Label();
        what.setId("grant-text-" + g.contact());
        what.setWrapText(true);
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        Button revoke = new Button("Revoke");
        revoke.getStyleClass().addAll("deny", "revoke");
        revoke.setId("revoke-" + g.contact());
        revoke.setOnAction(e -> ui.client().call(id -> new KioskMessage.Revoke(id, g.id()), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(this::refresh)));
        HBox row = new HBox(what, spacer, revoke);
        row.setAlignment(Pos.CENTER_LEFT);
        row.getStyleClass().addAll("card", "grant");
        return row;
    }

    private void grant() {
        String c = contact.getValue();
        if (c == null) {
            ui.toast("Choose a contact first");
            return;
        }
        long bytes = (long) budget.getSelectedToggle().getUserData();
        int mins = (int) (long) minutes.getSelectedToggle().getUserData();
        ui.client().call(id -> new KioskMessage.Grant(id, c, bytes, mins), KioskMessage.Done.class)
                .whenComplete((d, error) -> ui.fx(() -> {
                    ui.toast(error == null ? "Granted: " + c + ", up to " + Format.bytes(bytes) + " for " + mins + " min"
                            : "Failed: " + KioskUi.text(error));
                    refresh();
                }));
    }
}
