package org.otpi.appliance.gpio;

import com.pi4j.Pi4J;
import com.pi4j.context.Context;
import com.pi4j.plugin.mock.platform.MockPlatform;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalInputProvider;
import com.pi4j.plugin.mock.provider.gpio.digital.MockDigitalOutputProvider;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.kiosk.KioskBackend;
import org.tinylog.Logger;

/**
 * The device's physical parts wired to the vault: approve/deny buttons (a {@link ButtonApprover}),
 * the status LED, the tamper switch and the panic button.
 *
 * <ul>
 *   <li>Tamper (case opened): lock the vault (keys wiped from memory, standing approvals end),
 *       security log, alarm on screen and LED; approvals are denied until the case is shut and
 *       the vault is unlocked again. Unlocking with the case open locks it again at once.</li>
 *   <li>Panic (held {@code panic.holdMillis}): {@link KioskBackend#panicWipe()} destroys the
 *       wrapped vault key. Irreversible.</li>
 *   <li>LED: ALARM over APPROVAL_PENDING over LOCKED over IDLE.</li>
 * </ul>
 */
public final class GpioPanel implements AutoCloseable {
    private final KioskBackend backend;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gpio-timer");
        t.setDaemon(true);
        return t;
    });
    private final PushButton approve;
    private final PushButton deny;
    private final PanicButton panic;
    private final StatusLed led;
    private final ButtonApprover approver;
    private final TamperSwitch tamper;
    private final KioskBackend.Listener listener = new KioskBackend.Listener() {
        @Override
        public void changed(String what) {
            if (what.equals("status")) {
                timer.execute(GpioPanel.this::statusChanged);
            }
        }
    };
    private volatile boolean alarm;
    private volatile boolean unlocked;

    public GpioPanel(Context pi4j, GpioConfig config, KioskBackend backend, Clock clock) {
        this.backend = backend;
        this.led = new StatusLed(pi4j, config.ledPin());
        this.approve = new PushButton(pi4j, "approve", config.approvePin(), config.debounceMicros());
        this.deny = new PushButton(pi4j, "deny", config.denyPin(), config.debounceMicros());
        this.approver = new ButtonApprover(approve, deny, config.approvalTimeout(), clock, timer);
        approver.onChange(this::refreshLed);
        this.panic = new PanicButton(pi4j, config.panicPin(), config.debounceMicros(), config.panicHold(),
                timer, this::panic);
        this.unlocked = backend.status().unlocked();
        backend.addListener(listener);
        this.tamper = new TamperSwitch(pi4j, config.tamperPin(), config.debounceMicros(), this::tampered);
        refreshLed();
        timer.scheduleAtFixedRate(() -> led.tick(System.nanoTime() / 1_000_000), 0, 50, TimeUnit.MILLISECONDS);
    }

    /** A Pi4J context with the mock GPIO providers (tests, emulation). */
    public static Context mockContext() {
        return Pi4J.newContextBuilder().noAutoDetect()
                .add(new MockPlatform())
                .add(MockDigitalInputProvider.newInstance(), MockDigitalOutputProvider.newInstance())
                .build();
    }

    /** A Pi4J context that finds the gpiod provider on the Pi. */
    public static Context deviceContext() {
        return Pi4J.newAutoContext();
    }

    /** The buttons as an {@link Approver}. */
    public ButtonApprover approver() {
        return approver;
    }

    public StatusLed led() {
        return led;
    }

    public boolean alarmLatched() {
        return alarm;
    }

    private void tampered() {
        Logger.tag("security").error("tamper switch: case opened; locking the vault");
        alarm = true;
        approver.setAlarm(true);
        backend.lock();
        backend.alarm("tamper", "Case opened: vault locked, keys wiped from memory");
        refreshLed();
    }

    private void panic() {
        Logger.tag("security").error("panic button held: destroying the wrapped vault key");
        alarm = true;
        approver.setAlarm(true);
        backend.panicWipe();
        refreshLed();
    }

    private void statusChanged() {
        unlocked = backend.status().unlocked();
        if (unlocked && tamper.isOpen()) {
            Logger.tag("security").warn("vault unlocked while the case is open: locking again");
            backend.lock();
            unlocked = false;
        } else if (unlocked && alarm) {
            Logger.tag("security").info("case shut and vault unlocked: tamper alarm cleared");
            alarm = false;
            approver.setAlarm(false);
        }
        refreshLed();
    }

    private void refreshLed() {
        led.show(alarm ? StatusLed.Pattern.ALARM
                : approver.hasPending() ? StatusLed.Pattern.APPROVAL_PENDING
                : unlocked ? StatusLed.Pattern.IDLE
                : StatusLed.Pattern.LOCKED);
    }

    /** Test hooks: the parts, to press them on the mock platform. */
    PushButton approveButton() {
        return approve;
    }

    PushButton denyButton() {
        return deny;
    }

    PanicButton panicButton() {
        return panic;
    }

    TamperSwitch tamperSwitch() {
        return tamper;
    }

    @Override
    public void close() {
        backend.removeListener(listener);
        timer.shutdownNow();
        approver.setAlarm(true); // nothing can be approved once the panel is gone
        led.close();
        approve.close();
        deny.close();
        panic.close();
        tamper.close();
    }
}
