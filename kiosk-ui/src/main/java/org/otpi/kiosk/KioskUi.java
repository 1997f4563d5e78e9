package org.otpi.kiosk;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import javafx.animation.KeyFrame;
import javafx.animation.PauseTransition;
import javafx.animation.Timeline;
import javafx.application.Platform;
import javafx.beans.binding.Bindings;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.StackPane;
import javafx.scene.layout.VBox;
import javafx.util.Duration;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.Push;
import org.otpi.protocol.kiosk.Views;

/**
 * The kiosk's scene graph and its wiring to the appliance: the setup screen while the medium
 * holds no vault (first run), the unlock screen while the vault is locked (idle without a
 * medium), otherwise a tab bar (Pads, Messages, Allow, Log, Status, Lock) over the current screen; the
 * approval dialog and the alarm banner over everything. Text scales with the window height so
 * the same layout reads at 800×480 and 1280×720. All methods run on the FX thread.
 */
public final class KioskUi {
    private final KioskClient client;
    private final StackPane root = new StackPane();
    private final BorderPane main = new BorderPane();
    private final StackPane content = new StackPane();
    private final Label alarm = new Label();
    private final Label offline = new Label("Connecting to the device…");
    private final Label toast = new Label();
    private final Label standingBanner = new Label();
    private final PauseTransition toastTimer = new PauseTransition(Duration.seconds(4));
    private final ToggleGroup tabs = new ToggleGroup();
    private final UnlockScreen unlock;
    private final SetupScreen setup;
    private final ApprovalDialog approval;
    private final PairingDialog pairing = new PairingDialog();
    private final BackupDialog backup;
    private final ExchangeDialog exchange;
    private final PadsScreen pads;
    private final MessagesScreen messages;
    private final ComposeDialog compose;
    private final SkipAheadDialog skip;
    private final ToggleButton messagesTab;
    private List<Views.Contact> contacts = List.of();
    private final StandingScreen standing;
    private final LogScreen log;
    private final StatusScreen status;
    private final Timeline everySecond;
    private Boolean unlocked;
    private long lockedTicks;

    public KioskUi(KioskClient client) {
        this.client = client;
        this.unlock = new UnlockScreen(this);
        this.setup = new SetupScreen(this);
        this.approval = new ApprovalDialog(this);
        this.backup = new BackupDialog(this);
        this.exchange = new ExchangeDialog(this);
        // An approval prompt takes precedence over a pairing code (see PairingDialog).
        approval.node().visibleProperty().addListener((o, was, open) -> pairing.hold(open));
        this.pads = new PadsScreen(this);
        this.messages = new MessagesScreen(this);
        this.compose = new ComposeDialog(this);
        this.skip = new SkipAheadDialog(this);
        this.standing = new StandingScreen(this);
        this.log = new LogScreen(this);
        this.status = new StatusScreen(this);

        HBox nav = new HBox();
        nav.getStyleClass().add("nav");
        ToggleButton padsTab = tab("Pads", "nav-pads", pads.node(), pads::refresh); // the first toggle: shown at unlock
        messagesTab = tab("Messages", "nav-messages", messages.node(), messages::refresh);
        nav.getChildren().addAll(
                padsTab,
                messagesTab,
                tab("Allow", "nav-standing", standing.node(), standing::refresh),
                tab("Log", "nav-log", log.node(), log::refresh),
                tab("Status", "nav-status", status.node(), status::refresh));
        Button lock = new Button("Lock");
        lock.setId("nav-lock");
        lock.getStyleClass().add("deny");
        lock.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(lock, Priority.ALWAYS);
        lock.setOnAction(e -> client.call(KioskMessage.Lock::new, KioskMessage.Done.class)
                .whenComplete((d, error) -> fx(status::refresh)));
        nav.getChildren().add(lock);

        alarm.setId("alarm");
        alarm.getStyleClass().add("alarm-banner");
        alarm.setMaxWidth(Double.MAX_VALUE);
        alarm.setWrapText(true);
        alarm.managedProperty().bind(alarm.visibleProperty());
        alarm.setVisible(false);
        offline.setId("offline");
        offline.getStyleClass().add("offline-banner");
        offline.setMaxWidth(Double.MAX_VALUE);
        offline.managedProperty().bind(offline.visibleProperty());
        toast.setId("toast");
        toast.getStyleClass().add("toast");
        toast.setVisible(false);
        toast.setMouseTransparent(true);
        toast.setWrapText(true);
        toastTimer.setOnFinished(e -> toast.setVisible(false));
        StackPane.setAlignment(toast, Pos.BOTTOM_CENTER);

        standingBanner.setId("standing-banner");
        standingBanner.getStyleClass().add("standing-banner");
        standingBanner.setMaxWidth(Double.MAX_VALUE);
        standingBanner.setWrapText(true);
        standingBanner.managedProperty().bind(standingBanner.visibleProperty());
        standingBanner.setVisible(false);
        content.getStyleClass().add("content");
        main.setTop(new VBox(offline, alarm, nav, standingBanner));
        main.setCenter(content);
        root.getChildren().addAll(main, backup.node(), exchange.node(), skip.node(), compose.node(), messages.readerNode(),
                pairing.node(), approval.node(), toast);
        root.getStyleClass().add("kiosk");
        root.getStylesheets().add(KioskUi.class.getResource("kiosk.css").toExternalForm());
        // Readable at arm's length: 17 px at 480 lines, 24 px at 720 lines.
        root.styleProperty().bind(Bindings.createStringBinding(() -> String.format(Locale.ROOT,
                "-fx-font-size: %.1fpx;", Math.max(15, Math.min(30, root.getHeight() / 29.0))), root.heightProperty()));
        root.widthProperty().addListener((o, a, w) -> {
            pads.width(w.doubleValue());
            messages.width(w.doubleValue());
        });
        showLocked(true);
        everySecond = new Timeline(new KeyFrame(Duration.seconds(1), e -> tick()));
        everySecond.setCycleCount(Timeline.INDEFINITE);
    }

    /** The scene root. */
    public Parent root() {
        return root;
    }

    /** Connects and starts listening; call once the root is in a scene. */
    public void start() {
        client.onPush(p -> fx(() -> push(p)));
        client.onConnection(up -> fx(() -> connection(up)));
        client.start();
        everySecond.play();
    }

    /** Runs the given action after every approval prompt is shown (for the latency figure). */
    public void onPromptShown(Runnable r) {
        approval.onShown(r);
    }

    KioskClient client() {
        return client;
    }

    void fx(Runnable r) {
        if (Platform.isFxApplicationThread()) {
            r.run();
        } else {
            Platform.runLater(r);
        }
    }

    void toast(String text) {
        toast.setText(text);
        toast.setVisible(true);
        toastTimer.playFromStart();
    }

    static String text(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t instanceof KioskClient.KioskException ? t.getMessage() : "failed";
    }

    /** The PIN was right. */
    void unlocked() {
        showLocked(false);
        status.refresh();
    }

    /** A fresh status from the appliance. */
    void status(Views.Status s) {
        alarm.setText("⚠ " + s.alarm());
        alarm.setVisible(!s.alarm().isEmpty());
        showLocked(!s.unlocked());
        if (!s.unlocked()) {
            lockedScreen(s.vault());
        }
    }

    /** While locked: first-run setup for an empty medium, otherwise the PIN pad (idle without a medium). */
    private void lockedScreen(Views.VaultState state) {
        unlock.medium(state != Views.VaultState.NO_MEDIUM);
        Node want = state == Views.VaultState.SETUP_NEEDED ? setup.node() : unlock.node();
        if (content.getChildren().size() != 1 || content.getChildren().get(0) != want) {
            unlock.clear();
            setup.clear();
            content.getChildren().setAll(want);
        }
    }

    /** Law 5: an active standing approval stays visible on every screen. */
    void grantsShown(List<Views.Grant> grants) {
        long now = System.currentTimeMillis();
        standingBanner.setVisible(Boolean.TRUE.equals(unlocked) && !grants.isEmpty());
        standingBanner.setText("Allowed without asking: " + String.join(", ", grants.stream()
                .map(g -> g.contact() + " (" + Format.bytes(g.remainingBytes()) + ", "
                        + Format.seconds(g.expiresEpochMillis() - now) + ")").toList()));
    }

    /** Opens the backup dialog for the directory {@code target} on removable media. */
    void backup(String target) {
        backup.open(target);
    }

    /** Hands {@code contact}'s fresh pad over through the transfer medium at {@code target}. */
    void handOver(String contact, String target) {
        exchange.handOver(contact, target);
    }

    /** Receives a pad from the transfer medium at {@code source}. */
    void receivePad(String source) {
        exchange.receive(source);
    }

    void contactsLoaded(List<Views.Contact> contacts) {
        this.contacts = contacts;
        standing.contacts(contacts);
    }

    /** Opens the compose dialog for the pads that can send now. */
    void compose() {
        compose.open(contacts);
    }

    /** Opens the skip-ahead dialog for a receive-only pad. */
    void skipAhead(Views.Contact c) {
        skip.open(c);
    }

    /** The Messages tab says how many wait to be read here. */
    void inboxCount(int n) {
        messagesTab.setText(n == 0 ? "Messages" : "Messages " + n);
    }

    private ToggleButton tab(String text, String id, Node screen, Runnable refresh) {
        ToggleButton t = new ToggleButton(text);
        t.setId(id);
        t.setToggleGroup(tabs);
        t.setMaxWidth(Double.MAX_VALUE);
        HBox.setHgrow(t, Priority.ALWAYS);
        t.setUserData(screen);
        t.setOnAction(e -> {
            if (!t.isSelected()) {
                t.setSelected(true); // a tab bar, not a switch
            }
            content.getChildren().setAll(screen);
            refresh.run();
        });
        return t;
    }

    private void showLocked(boolean locked) {
        if (unlocked != null && unlocked == !locked) {
            return;
        }
        unlocked = !locked;
        if (locked) {
            unlock.clear();
            setup.clear();
            backup.close();
            exchange.close();
            compose.close();
            skip.close();
            messages.close();
            inboxCount(0);
            standingBanner.setVisible(false);
            main.getTop().setVisible(true);
            ((VBox) main.getTop()).getChildren().get(2).setVisible(false);
            content.getChildren().setAll(unlock.node());
        } else {
            ((VBox) main.getTop()).getChildren().get(2).setVisible(true);
            ToggleButton first = (ToggleButton) tabs.getToggles().get(0);
            first.setSelected(true);
            content.getChildren().setAll((Node) first.getUserData());
            pads.refresh();
            messages.refresh();
            standing.refresh();
            log.refresh();
        }
    }

    private void push(Push p) {
        if (p instanceof KioskMessage.ApprovalPrompt prompt) {
            approval.push(prompt);
        } else if (p instanceof KioskMessage.ApprovalClosed closed) {
            KioskMessage.ApprovalPrompt gone = approval.closed(closed.requestId());
            if (!closed.approved() && closed.reason().equals("timeout")) {
                toast("Denied: no answer in time");
            } else if (closed.reason().equals(KioskMessage.ApprovalClosed.LAPTOP_GONE)) {
                toast("Closed: “" + (gone == null ? "the laptop" : org.otpi.protocol.kiosk.VisibleText.name(gone.client()))
                        + "” disconnected before an answer. Nothing was used.");
            }
        } else if (p instanceof KioskMessage.PairingCode code) {
            pairing.show(code);
        } else if (p instanceof KioskMessage.PairingCleared cleared) {
            pairing.cleared(cleared.client());
        } else if (p instanceof KioskMessage.Alarm a) {
            alarm.setText("⚠ " + a.text());
            alarm.setVisible(true);
            status.refresh();
        } else if (p instanceof KioskMessage.Changed c) {
            switch (c.what()) {
                case "status" -> status.refresh();
                case "log" -> log.refresh();
                case "grants" -> standing.refresh();
                case "contacts" -> {
                    if (Boolean.TRUE.equals(unlocked)) {
                        pads.refresh();
                    }
                }
                case "inbox" -> {
                    if (Boolean.TRUE.equals(unlocked)) {
                        messages.refresh();
                    }
                }
                default -> { }
            }
        }
    }

    private void connection(boolean up) {
        offline.setVisible(!up);
        if (up) {
            status.refresh();
            log.refresh();
        } else {
            approval.clear();
            messages.close();
            pairing.dismiss(); // a reconnect replays it if still valid
            offline.setText("Lost the device: reconnecting…");
        }
    }

    private void tick() {
        if (!client.isConnected()) {
            return;
        }
        if (Boolean.TRUE.equals(unlocked)) {
            standing.refresh(); // grants expire on the appliance's clock
        } else if (++lockedTicks % 2 == 0) {
            // The appliance does not watch the medium: a stick plugged in (or pulled) shows up here
            // within two seconds, switching between the idle pad, setup and unlock.
            status.refresh();
        }
    }

    // ---- for tests and figures -------------------------------------------------------------

    boolean setupShowing() {
        return content.getChildren().contains(setup.node());
    }

    boolean approvalShowing() {
        return approval.isShowing();
    }

    boolean pairingShowing() {
        return pairing.isShowing();
    }

    boolean backupShowing() {
        return backup.isShowing();
    }

    boolean exchangeShowing() {
        return exchange.isShowing();
    }

    String approvalText() {
        return approval.textShown();
    }

    long approvalMarks() {
        return approval.marksShown();
    }

    boolean composeShowing() {
        return compose.isShowing();
    }

    boolean skipShowing() {
        return skip.isShowing();
    }

    boolean readerShowing() {
        return messages.readerShowing();
    }

    String readerText() {
        return messages.readerText();
    }

    List<Views.DeviceMessage> inboxShown() {
        return messages.messages();
    }

    List<Views.Grant> grantsShown() {
        return standing.grants();
    }

    int logEntriesShown() {
        return log.size();
    }
}
