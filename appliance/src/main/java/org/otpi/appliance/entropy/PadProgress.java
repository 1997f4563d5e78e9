package org.otpi.appliance.entropy;

import java.time.Duration;

/**
 * How far a pad generation has come.
 *
 * @param written bytes written to the sink
 * @param total bytes asked for
 * @param bytesPerSecond rate so far
 * @param remaining estimated time left
 */
public record PadProgress(long written, long total, double bytesPerSecond, Duration remaining) {
    public double fraction() {
        return total == 0 ? 1 : (double) written / total;
    }
}
