package org.otpi.appliance.gpio;

import static org.junit.jupiter.api.Assertions.*;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInput;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.protocol.kiosk.Views;

/** The physical parts on Pi4J's mock platform, wired to the in-memory backend. */
class GpioPanelTest {
    Context pi4j;
    InMemoryKioskBackend backend;
    GpioPanel panel;

    @BeforeEach
    void setUp() {
        pi4j = GpioPanel.mockContext();
        backend = InMemoryKioskBackend.demo(Clock.systemUTC(), new StandingApprovals(Clock.systemUTC()));
        Properties p = new Properties();
        p.setProperty("panic.holdMillis", "1000");
        p.setProperty("debounce.micros", "0");
        panel = new GpioPanel(pi4j, GpioConfig.from(p), backend, Clock.systemUTC());
        assertFalse(panel.alarmLatched(), "mock tamper switch starts shut (LOW)");
        // mock inputs start LOW, which is "pressed" for a button to ground: release them
        mock(panel.approveButton().input()).mockState(DigitalState.HIGH);
        mock(panel.denyButton().input()).mockState(DigitalState.HIGH);
        mock(panel.panicButton().button().input()).mockState(DigitalState.HIGH);
        backend.unlock("1234".toCharArray());
        await(() -> panel.led().pattern() == StatusLed.Pattern.IDLE);
    }

    @AfterEach
    void tearDown() {
        panel.close();
        pi4j.shutdown();
    }

    @Test
    void approveButton_approvesThePendingRequest() throws Exception {
        CompletableFuture<Decision> f = panel.approver().request(seal("r1"));
        assertFalse(f.isDone());
        assertEquals(StatusLed.Pattern.APPROVAL_PENDING, panel.led().pattern());
        press(panel.approveButton().input());
        assertEquals(Decision.APPROVE, f.get(1, TimeUnit.SECONDS));
        assertEquals(StatusLed.Pattern.IDLE, panel.led().pattern());
    }

    @Test
    void denyButton_deniesThePendingRequest_oldestFirst() throws Exception {
        CompletableFuture<Decision> first = panel.approver().request(seal("r1"));
        CompletableFuture<Decision> second = panel.approver().request(seal("r2"));
        press(panel.denyButton().input());
        assertEquals(Decision.DENY, first.get(1, TimeUnit.SECONDS));
        assertFalse(second.isDone());
        press(panel.approveButton().input());
        assertEquals(Decision.APPROVE, second.get(1, TimeUnit.SECONDS));
    }

    @Test
    void noPress_deniesAtDeadline() throws Exception {
        ApprovalRequest r = new ApprovalRequest("r1", "laptop", "alice", ApprovalRequest.Operation.SEAL, 5, 37, 0,
                java.time.Instant.now().plusMillis(200));
        CompletableFuture<Decision> f = panel.approver().request(r);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> f.get(2, TimeUnit.SECONDS));
        org.junit.jupiter.api.Assertions.assertInstanceOf(org.otpi.appliance.approval.ApprovalTimeoutException.class,
                e.getCause(), "a denial the laptop can tell apart from a press of deny");
        press(panel.approveButton().input()); // too late, nothing pending
        assertTrue(f.isCompletedExceptionally());
    }

    @Test
    void tamper_locksTheVault_raisesTheAlarm_andFurtherApprovalsAndSealsFail() throws Exception {
        CompletableFuture<Decision> pending = panel.approver().request(seal("r1"));
        ApprovalRequest later = seal("r2");
        mock(panel.tamperSwitch().input()).mockState(DigitalState.HIGH);

        assertEquals(Decision.DENY, pending.get(1, TimeUnit.SECONDS));
        assertFalse(backend.isUnlocked());
        assertTrue(panel.alarmLatched());
        assertEquals(StatusLed.Pattern.ALARM, panel.led().pattern());
        assertEquals(Decision.DENY, panel.approver().request(later).get(1, TimeUnit.SECONDS));
        assertThrows(KioskBackend.Failure.class, () -> backend.seal("alice", 10));
        assertTrue(backend.status().alarm().contains("Case opened"));
        assertTrue(backend.securityLog(0, 100).stream().anyMatch(e -> e.kind().equals("tamper")));

        // unlocking with the case still open locks again
        backend.unlock("1234".toCharArray());
        await(() -> !backend.isUnlocked());
        assertTrue(panel.alarmLatched());

        // case shut, vault unlocked by the person: alarm clears
        mock(panel.tamperSwitch().input()).mockState(DigitalState.LOW);
        backend.unlock("1234".toCharArray());
        await(() -> !panel.alarmLatched());
        await(() -> panel.led().pattern() == StatusLed.Pattern.IDLE);
        assertTrue(backend.isUnlocked());
    }

    @Test
    void panicButton_longPressWipesTheKey_shortPressDoesNot() throws Exception {
        MockDigitalInput panic = mock(panel.panicButton().button().input());
        panic.mockState(DigitalState.LOW);
        Thread.sleep(100);
        panic.mockState(DigitalState.HIGH);
        Thread.sleep(1200);
        assertFalse(backend.isWiped(), "a short press does nothing");

        panic.mockState(DigitalState.LOW);
        await(backend::isWiped);
        panic.mockState(DigitalState.HIGH);
        assertFalse(backend.isUnlocked());
        assertEquals(Views.UnlockResult.Outcome.WIPED, backend.unlock("1234".toCharArray()).outcome());
        // the panic runs on the button's timer thread: the LED follows it within moments
        await(() -> panel.led().pattern() == StatusLed.Pattern.ALARM);
    }

    @Test
    void ledPatterns_followState_andDriveThePin() {
        assertEquals(StatusLed.Pattern.IDLE, panel.led().pattern());
        backend.lock();
        await(() -> panel.led().pattern() == StatusLed.Pattern.LOCKED);

        StatusLed led = panel.led();
        led.show(StatusLed.Pattern.ALARM);
        led.tick(50);
        assertTrue(led.isLit());
        led.tick(150);
        assertFalse(led.isLit());
        led.show(StatusLed.Pattern.LOCKED);
        led.tick(2050);
        assertTrue(led.isLit());
        led.tick(2500);
        assertFalse(led.isLit());
        led.show(StatusLed.Pattern.APPROVAL_PENDING);
        led.tick(400);
        assertTrue(led.isLit());
        led.tick(600);
        assertFalse(led.isLit());
        led.show(StatusLed.Pattern.IDLE);
        led.tick(600);
        assertTrue(led.isLit());
    }

    @Test
    void config_readsThePinMap_andRefusesBadPins() {
        Properties p = new Properties();
        p.setProperty("pin.approve", "5");
        p.setProperty("pin.led", "12");
        GpioConfig c = GpioConfig.from(p);
        assertEquals(5, c.approvePin());
        assertEquals(12, c.ledPin());
        assertEquals(27, c.denyPin());
        assertEquals(Duration.ofSeconds(5), c.panicHold());
        p.setProperty("pin.deny", "40");
        assertThrows(IllegalArgumentException.class, () -> GpioConfig.from(p));
    }

    private ApprovalRequest seal(String id) {
        return backend.sealRequest(id, "laptop", "alice", 5, Duration.ofSeconds(30));
    }

    private static MockDigitalInput mock(DigitalInput in) {
        return (MockDigitalInput) in;
    }

    private static void press(DigitalInput in) {
        mock(in).mockState(DigitalState.LOW);
        mock(in).mockState(DigitalState.HIGH);
    }

    private static void await(BooleanSupplier condition) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("condition not met within 10 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
