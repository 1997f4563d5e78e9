package org.otpi.appliance.gpio;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;

/**
 * The pin map and timings, from a properties file (on the image:
 * {@code /etc/otpi/gpio.properties}). Pins are BCM GPIO numbers. Buttons and the tamper switch
 * are wired to ground with the internal pull-up on: a pressed button reads LOW, and the tamper
 * switch reads LOW while the case is shut (an opened case or a cut wire reads HIGH).
 *
 * <pre>
 * pin.approve=17
 * pin.deny=27
 * pin.panic=22
 * pin.tamper=23
 * pin.led=24
 * panic.holdMillis=5000
 * debounce.micros=10000
 * approval.timeoutSeconds=30
 * </pre>
 */
public record GpioConfig(int approvePin, int denyPin, int panicPin, int tamperPin, int ledPin,
                         Duration panicHold, long debounceMicros, Duration approvalTimeout) {

    public GpioConfig {
        if (panicHold.toMillis() < 100) {
            throw new IllegalArgumentException("panic hold must be at least 100 ms");
        }
        if (approvalTimeout.isNegative() || approvalTimeout.isZero()) {
            throw new IllegalArgumentException("approval timeout must be positive");
        }
    }

    /** The defaults above. */
    public static GpioConfig defaults() {
        return from(new Properties());
    }

    public static GpioConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        return from(p);
    }

    public static GpioConfig from(Properties p) {
        return new GpioConfig(
                pin(p, "pin.approve", 17), pin(p, "pin.deny", 27), pin(p, "pin.panic", 22),
                pin(p, "pin.tamper", 23), pin(p, "pin.led", 24),
                Duration.ofMillis(Long.parseLong(p.getProperty("panic.holdMillis", "5000").trim())),
                Long.parseLong(p.getProperty("debounce.micros", "10000").trim()),
                Duration.ofSeconds(Long.parseLong(p.getProperty("approval.timeoutSeconds", "30").trim())));
    }

    private static int pin(Properties p, String key, int fallback) {
        int pin = Integer.parseInt(p.getProperty(key, Integer.toString(fallback)).trim());
        if (pin < 0 || pin > 27) {
            throw new IllegalArgumentException(key + " must be a BCM GPIO number 0..27");
        }
        return pin;
    }
}
