package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.Decision;
import org.otpi.protocol.kiosk.Views;
import org.testfx.api.FxRobot;

/** The person's flows on the kiosk, end to end over the real socket. */
class KioskFlowsTest extends KioskFxTest {

    @Test
    void rightPin_unlocks_andShowsThePads(FxRobot robot) {
        waitForConnection();
        assertTrue(visible(robot, "#pin-pad-placeholder") || visible(robot, "#pin-ok"));
        typePin(robot, "1234");
        waitFor(backend::isUnlocked);
        waitFor(() -> visible(robot, "#pad-alice"));
        assertTrue(visible(robot, "#nav-pads"));
        assertFalse(visible(robot, "#pin-ok"));
    }

    @Test
    void wrongPin_isRefused_withTheRemainingDelayShown(FxRobot robot) {
        waitForConnection();
        typePin(robot, "9999");
        Label message = robot.lookup("#unlock-message").queryAs(Label.class);
        waitFor(() -> message.getText().contains("Wrong PIN"));
        assertTrue(message.getText().matches(".*Try again in [12] s.*"), message.getText());
        assertTrue(message.getText().contains("9 attempts left"), message.getText());
        assertTrue(robot.lookup("#pin-1").query().isDisabled(), "keypad waits out the delay");
        assertFalse(backend.isUnlocked());
        waitFor(() -> !robot.lookup("#pin-1").query().isDisabled());
        typePin(robot, "1234");
        waitFor(backend::isUnlocked);
    }

    @Test
    void approve_onTheDialog_approvesTheSeal(FxRobot robot) throws Exception {
        unlock(robot);
        ApprovalRequest r = backend.sealRequest("r1", "alice-laptop", "alice", 5, Duration.ofSeconds(30));
        CompletableFuture<Decision> f = approver.request(r);
        waitFor(ui::approvalShowing);
        assertEquals("alice", robot.lookup("#approval-contact").queryAs(Label.class).getText());
        assertEquals("37 B", robot.lookup("#approval-cost").queryAs(Label.class).getText());
        assertTrue(robot.lookup("#approval-heading").queryAs(Label.class).getText().contains("alice-laptop"));
        assertTrue(robot.lookup("#approval-countdown").queryAs(Label.class).getText().startsWith("Denied automatically in"));
        assertFalse(f.isDone(), "nothing is decided before the touch");
        robot.clickOn("#approve");
        assertEquals(Decision.APPROVE, f.get(5, TimeUnit.SECONDS));
        waitFor(() -> !ui.approvalShowing());
    }

    @Test
    void deny_onTheDialog_deniesTheSeal(FxRobot robot) throws Exception {
        unlock(robot);
        CompletableFuture<Decision> f = approver.request(
                backend.sealRequest("r1", "laptop", "bob", 500, Duration.ofSeconds(30)));
        waitFor(ui::approvalShowing);
        robot.clickOn("#deny");
        assertEquals(Decision.DENY, f.get(5, TimeUnit.SECONDS));
        waitFor(() -> !ui.approvalShowing());
    }

    @Test
    void noTouch_untilTheDeadline_denies(FxRobot robot) throws Exception {
        unlock(robot);
        CompletableFuture<Decision> f = approver.request(
                backend.sealRequest("r1", "laptop", "alice", 5, Duration.ofMillis(3000)));
        waitFor(ui::approvalShowing);
        // a denial that tells the laptop "no one answered" rather than "denied"
        java.util.concurrent.ExecutionException timedOut = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.otpi.appliance.approval.ApprovalTimeoutException.class,
                timedOut.getCause());
        waitFor(() -> !ui.approvalShowing());
        waitFor(() -> visible(robot, "#toast"));
        assertEquals("Denied: no answer in time", robot.lookup("#toast").queryLabeled().getText());
    }

    @Test
    void standingApproval_isUsedWithoutAsking_thenExpires(FxRobot robot) throws Exception {
        unlock(robot);
        robot.clickOn("#nav-standing");
        robot.clickOn("#grant-contact");
        robot.clickOn(robot.lookup(".list-cell").match(n -> n instanceof javafx.scene.control.ListCell<?> c
                && "alice".equals(c.getText())).queryAs(javafx.scene.Node.class));
        robot.clickOn("#budget-1024");
        robot.clickOn("#minutes-5");
        robot.clickOn("#grant");
        waitFor(() -> visible(robot, "#revoke-alice"));
        Label text = robot.lookup("#grant-text-alice").queryAs(Label.class);
        assertTrue(text.getText().startsWith("alice: 1 KiB of 1 KiB left"), text.getText());

        CompletableFuture<Decision> f = approver.request(
                backend.sealRequest("r1", "laptop", "alice", 100, Duration.ofSeconds(30)));
        assertEquals(Decision.APPROVE, f.get(1, TimeUnit.SECONDS), "covered: no dialog");
        assertFalse(ui.approvalShowing());
        waitFor(() -> robot.lookup("#grant-text-alice").tryQueryAs(Label.class)
                .map(l -> l.getText().startsWith("alice: 892 B of 1 KiB")).orElse(false));
        // an open is charged by its pad cost too, and the grant says what opens took
        CompletableFuture<Decision> o = approver.request(new ApprovalRequest("o1", "laptop", "alice",
                ApprovalRequest.Operation.OPEN, 60, 92, 1000, java.time.Instant.now().plusSeconds(30)));
        assertEquals(Decision.APPROVE, o.get(1, TimeUnit.SECONDS), "covered: no dialog");
        robot.clickOn("#nav-pads");
        robot.clickOn("#nav-standing");
        waitFor(() -> robot.lookup("#grant-text-alice").tryQueryAs(Label.class)
                .map(l -> l.getText().startsWith("alice: 800 B of 1 KiB left (used: seals 132 B, opens 92 B)")).orElse(false));

        robot.clickOn("#nav-pads");
        assertTrue(visible(robot, "#standing-banner"), "an active grant is visible on every screen");
        assertTrue(robot.lookup("#standing-banner").queryLabeled().getText().contains("alice (800 B"));

        grantClock.advance(Duration.ofMinutes(5));
        waitFor(() -> !visible(robot, "#standing-banner"));
        robot.clickOn("#nav-standing");
        waitFor(() -> visible(robot, "#grant-none"));
        CompletableFuture<Decision> g = approver.request(
                backend.sealRequest("r2", "laptop", "alice", 100, Duration.ofSeconds(30)));
        waitFor(ui::approvalShowing);
        robot.clickOn("#deny");
        assertEquals(Decision.DENY, g.get(5, TimeUnit.SECONDS));
    }

    @Test
    void revoke_endsTheStandingApproval_withOneTouch(FxRobot robot) throws Exception {
        unlock(robot);
        backend.grantStanding("bob", 4096, Duration.ofMinutes(10));
        robot.clickOn("#nav-standing");
        waitFor(() -> visible(robot, "#revoke-bob"));
        robot.clickOn("#revoke-bob");
        waitFor(() -> visible(robot, "#grant-none"));
        assertTrue(standing.active().isEmpty());
    }

    @Test
    void padGauge_dropsAfterASeal(FxRobot robot) {
        unlock(robot);
        Label left = robot.lookup("#left-send-alice").queryAs(Label.class);
        long before = (long) left.getUserData();
        double barBefore = robot.lookup("#gauge-send-alice").queryAs(ProgressBar.class).getProgress();
        backend.seal("alice", 300_000);
        waitFor(() -> robot.lookup("#left-send-alice").tryQueryAs(Label.class)
                .map(l -> (long) l.getUserData() == before - 300_032).orElse(false));
        double barAfter = robot.lookup("#gauge-send-alice").queryAs(ProgressBar.class).getProgress();
        assertTrue(barAfter < barBefore, barBefore + " -> " + barAfter);
        assertTrue(visible(robot, "#low-alice"), "alice is now low on pad");
    }

    @Test
    void forgedPackage_appearsInTheSecurityLog(FxRobot robot) {
        unlock(robot);
        robot.clickOn("#nav-log");
        int before = ui.logEntriesShown();
        backend.forgery("carol", 4711);
        waitFor(() -> ui.logEntriesShown() == before + 1);
        @SuppressWarnings("unchecked")
        ListView<Views.LogEntry> list = robot.lookup("#log-list").queryAs(ListView.class);
        Views.LogEntry top = list.getItems().get(0);
        assertEquals("forgery", top.kind());
        assertEquals("carol", top.contact());
        assertTrue(robot.lookup(".log-kind").queryAllAs(Label.class).stream().anyMatch(l -> l.getText().equals("FORGERY")));
    }

    @Test
    void approveButton_answersFirst_andTheDialogCloses(FxRobot robot) throws Exception {
        unlock(robot);
        var pi4j = org.otpi.appliance.gpio.GpioPanel.mockContext();
        var props = new java.util.Properties();
        props.setProperty("debounce.micros", "0");
        try (var panel = new org.otpi.appliance.gpio.GpioPanel(pi4j,
                org.otpi.appliance.gpio.GpioConfig.from(props), backend, java.time.Clock.systemUTC())) {
            var both = new org.otpi.appliance.approval.FirstDecisionApprover(kioskApprover, panel.approver());
            CompletableFuture<Decision> f = both.request(
                    backend.sealRequest("r1", "laptop", "alice", 5, Duration.ofSeconds(30)));
            waitFor(ui::approvalShowing);
            var approve = (com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput) pi4j.registry().all().values()
                    .stream().filter(io -> io.id().equals("approve")).findFirst().orElseThrow();
            approve.mockState(com.pi4j.io.gpio.digital.DigitalState.HIGH);
            approve.mockState(com.pi4j.io.gpio.digital.DigitalState.LOW);
            assertEquals(Decision.APPROVE, f.get(5, TimeUnit.SECONDS));
            waitFor(() -> !ui.approvalShowing());
        } finally {
            pi4j.shutdown();
        }
    }

    @Test
    void unpair_onTheStatusScreen_takesASecondTouch_andEndsTheLaptopsAccess(FxRobot robot) {
        unlock(robot);
        String laptop = backend.status().pairedClients().get(0);
        robot.clickOn("#nav-status");
        waitFor(() -> robot.lookup(n -> ("unpair-" + laptop).equals(n.getId())).tryQuery().isPresent());
        javafx.scene.control.Button unpair = robot.lookup(n -> ("unpair-" + laptop).equals(n.getId()))
                .queryAs(javafx.scene.control.Button.class);
        robot.clickOn(unpair);
        assertEquals("Tap again to unpair", unpair.getText());
        assertTrue(backend.status().pairedClients().contains(laptop), "one touch does nothing yet");
        robot.clickOn(unpair);
        waitFor(() -> backend.status().pairedClients().isEmpty());
        waitFor(() -> robot.lookup(n -> ("unpair-" + laptop).equals(n.getId())).tryQuery().isEmpty());
    }

    @Test
    void lock_returnsToThePinPad(FxRobot robot) {
        unlock(robot);
        robot.clickOn("#nav-lock");
        waitFor(() -> !backend.isUnlocked());
        waitFor(() -> visible(robot, "#pin-ok"));
    }
}
