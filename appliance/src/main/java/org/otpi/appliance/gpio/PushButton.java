package org.otpi.appliance.gpio;

import com.pi4j.context.Context;
import com.pi4j.io.gpio.digital.DigitalInput;
import com.pi4j.io.gpio.digital.DigitalState;
import com.pi4j.io.gpio.digital.PullResistance;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A momentary push button to ground (internal pull-up: pressed reads LOW): the approve and the
 * deny button. Speaks in intentions: {@link #onPress}, {@link #onRelease}.
 */
public final class PushButton implements AutoCloseable {
    private final Context pi4j;
    private final DigitalInput input;
    private final List<Runnable> onPress = new CopyOnWriteArrayList<>();
    private final List<Runnable> onRelease = new CopyOnWriteArrayList<>();

    public PushButton(Context pi4j, String id, int bcmPin, long debounceMicros) {
        this.pi4j = pi4j;
        this.input = pi4j.create(DigitalInput.newConfigBuilder(pi4j)
                .id(id).name(id).address(bcmPin).provider(GpioProviders.input(pi4j))
                .pull(PullResistance.PULL_UP)
                .debounce(debounceMicros));
        input.addListener(e -> {
            if (e.state() == DigitalState.LOW) {
                onPress.forEach(Runnable::run);
            } else if (e.state() == DigitalState.HIGH) {
                onRelease.forEach(Runnable::run);
            }
        });
    }

    public void onPress(Runnable action) {
        onPress.add(action);
    }

    public void onRelease(Runnable action) {
        onRelease.add(action);
    }

    public boolean isPressed() {
        return input.state() == DigitalState.LOW;
    }

    DigitalInput input() {
        return input;
    }

    @Override
    public void close() {
        onPress.clear();
        onRelease.clear();
        pi4j.shutdown(input.id());
    }
}
