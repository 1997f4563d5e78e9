package org.otpi.appliance.entropy;

import java.nio.file.Path;

/**
 * Where the hardware RNG is and what to expect of it.
 *
 * @param device a character device ({@code /dev/otpi-hrng}, {@code /dev/hwrng}), a FIFO or a file
 * @param expectedBytesPerSecond the device's nominal rate, for time estimates before measuring
 * @param health test parameters (alpha, assessed min-entropy)
 */
public record HrngConfig(Path device, double expectedBytesPerSecond, HealthParameters health) {
    /** The name the udev rule gives USB HRNGs. */
    public static final Path OTPI_HRNG = Path.of("/dev/otpi-hrng");
    /** The kernel's hw_random device (on-board RNGs, e.g. the Pi's bcm2835-rng). */
    public static final Path HWRNG = Path.of("/dev/hwrng");

    public HrngConfig {
        if (expectedBytesPerSecond <= 0) {
            throw new IllegalArgumentException("expected rate must be positive");
        }
    }

    public static HrngConfig of(Path device) {
        return new HrngConfig(device, 50_000, HealthParameters.DEFAULT);
    }
}
