package org.otpi.appliance.gpio;

import com.pi4j.context.Context;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The recessed panic button: held down for {@code hold} (default 5 s) it fires once; a shorter
 * press does nothing, so a knock cannot wipe the vault.
 */
public final class PanicButton implements AutoCloseable {
    private final PushButton button;
    private final Duration hold;
    private final ScheduledExecutorService timer;
    private final Runnable action;
    private ScheduledFuture<?> pending;

    public PanicButton(Context pi4j, int bcmPin, long debounceMicros, Duration hold,
                       ScheduledExecutorService timer, Runnable action) {
        this.button = new PushButton(pi4j, "panic", bcmPin, debounceMicros);
        this.hold = hold;
        this.timer = timer;
        this.action = action;
        button.onPress(this::pressed);
        button.onRelease(this::released);
    }

    private synchronized void pressed() {
        if (pending == null || pending.isDone()) {
            pending = timer.schedule(this::check, hold.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private synchronized void released() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    private void check() {
        synchronized (this) {
            if (pending == null || !button.isPressed()) {
                return;
            }
            pending = null;
        }
        action.run();
    }

    PushButton button() {
        return button;
    }

    @Override
    public synchronized void close() {
        released();
        button.close();
    }
}
