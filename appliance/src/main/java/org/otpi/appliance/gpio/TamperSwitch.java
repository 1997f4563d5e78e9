package org.otpi.appliance.gpio;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;

/**
 * The case switch: closed to ground while the lid is shut (LOW). An opened lid, or a cut wire,
 * reads HIGH through the pull-up, and fires {@code onOpened}. Fails safe: reading HIGH at start
 * fires at once.
 */
public final class TamperSwitch implements AutoCloseable {
    private final Context pi4j;
    private final DigitalInput input;

    public TamperSwitch(Context pi4j, int bcmPin, long debounceMicros, Runnable onOpened) {
        this.pi4j = pi4j;
        this.input = pi4j.create(DigitalInput.newConfigBuilder(pi4j)
                .id("tamper").name("tamper").address(bcmPin).provider(GpioProviders.input(pi4j))
                .pull(PullResistance.PULL_UP)
                .debounce(debounceMicros));
        input.addListener(e -> {
            if (e.state() == DigitalState.HIGH) {
                onOpened.run();
            }
        });
        if (isOpen()) {
            onOpened.run();
        }
    }

    public boolean isOpen() {
        return input.state() != DigitalState.LOW;
    }

    DigitalInput input() {
        return input;
    }

    @Override
    public void close() {
        pi4j.shutdown(input.id());
    }
}
