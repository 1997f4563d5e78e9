package org.otpi.appliance.gpio;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalOutput;
import com.pi4j.io.gpio.digital.DigitalState;

/**
 * The status LED. Its pattern says what the device wants from the person:
 *
 * <pre>
 * IDLE              steady on                  unlocked, nothing to decide
 * APPROVAL_PENDING  500 ms on / 500 ms off     a use of pad waits for a decision
 * LOCKED            100 ms blip every 2 s      vault locked
 * ALARM             100 ms on / 100 ms off     tamper or panic wipe
 * </pre>
 *
 * Starts and stops dark. {@link #tick} is driven by a timer (every 50 ms) in the panel and
 * directly by tests.
 */
public final class StatusLed implements AutoCloseable {
    public enum Pattern { IDLE, APPROVAL_PENDING, LOCKED, ALARM }

    private final Context pi4j;
    private final DigitalOutput output;
    private volatile Pattern pattern = Pattern.LOCKED;

    public StatusLed(Context pi4j, int bcmPin) {
        this.pi4j = pi4j;
        this.output = pi4j.create(DigitalOutput.newConfigBuilder(pi4j)
                .id("status-led").name("status-led").address(bcmPin).provider(GpioProviders.output(pi4j))
                .initial(DigitalState.LOW).shutdown(DigitalState.LOW));
    }

    /** Whether the LED is lit at {@code millis} (any monotonic millisecond count). */
    static boolean litAt(Pattern pattern, long millis) {
        return switch (pattern) {
            case IDLE -> true;
            case APPROVAL_PENDING -> Math.floorMod(millis, 1000) < 500;
            case LOCKED -> Math.floorMod(millis, 2000) < 100;
            case ALARM -> Math.floorMod(millis, 200) < 100;
        };
    }

    public void show(Pattern pattern) {
        this.pattern = pattern;
    }

    public Pattern pattern() {
        return pattern;
    }

    /** Sets the output for the current pattern at {@code millis}. */
    public void tick(long millis) {
        output.state(litAt(pattern, millis) ? DigitalState.HIGH : DigitalState.LOW);
    }

    public boolean isLit() {
        return output.state() == DigitalState.HIGH;
    }

    @Override
    public void close() {
        output.low();
        pi4j.shutdown(output.id());
    }
}
