package org.otpi.appliance.gpio;

import com.pi4j.context.Context;

/**
 * Which Pi4J provider drives the pins. The mock plugin is on the appliance's class path (for
 * emulation), so an auto-detected context on the Pi holds both; name the provider instead of
 * trusting Pi4J's default: gpiod whenever present, the mock otherwise.
 */
final class GpioProviders {
    static final String GPIOD_INPUT = "gpiod-digital-input";
    static final String GPIOD_OUTPUT = "gpiod-digital-output";
    static final String MOCK_INPUT = "mock-digital-input";
    static final String MOCK_OUTPUT = "mock-digital-output";

    private GpioProviders() {
    }

    static String input(Context pi4j) {
        return pi4j.hasProvider(GPIOD_INPUT) ? GPIOD_INPUT : MOCK_INPUT;
    }

    static String output(Context pi4j) {
        return pi4j.hasProvider(GPIOD_OUTPUT) ? GPIOD_OUTPUT : MOCK_OUTPUT;
    }
}
