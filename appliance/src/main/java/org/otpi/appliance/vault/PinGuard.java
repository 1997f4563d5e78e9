package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Wrong-PIN rate limiting, kept on the SD card (state directory) so that swapping media does not
 * reset it. The failure count is raised and fsync'd <em>before</em> a PIN is tried, so killing
 * the process mid-attempt still counts. After {@code policy.maxFailures()} the caller destroys
 * the wrapped key.
 *
 * <p>Limit, plainly: someone who holds both the SD card and a copy of the medium can attack the
 * PIN offline at the speed of Argon2id; this guard only protects a device used through its own
 * software.
 */
final class PinGuard {
    static final String FILE = "pin.state";
    private final Path file;
    private final VaultPolicy policy;
    private final Clock clock;
    private int failures;
    private long lastFailureMillis;

    PinGuard(Path stateDir, VaultPolicy policy, Clock clock) throws IOException {
        this.file = stateDir.resolve(FILE);
        this.policy = policy;
        this.clock = clock;
        if (Files.exists(file)) {
            String[] parts = Files.readString(file, StandardCharsets.US_ASCII).trim().split(" ");
            try {
                failures = Integer.parseInt(parts[0]);
                lastFailureMillis = Long.parseLong(parts[1]);
            } catch (RuntimeException e) {
                // A damaged counter is treated as the worst case short of wiping.
                failures = Math.max(0, policy.maxFailures() - 1);
                lastFailureMillis = clock.millis();
            }
        }
    }

    int failures() {
        return failures;
    }

    /** Milliseconds until the next attempt is allowed (0 if now). */
    long waitMillis() {
        long delay = policy.delayAfter(failures);
        long until = lastFailureMillis + delay;
        return Math.max(0, until - clock.millis());
    }

    boolean exhausted() {
        return failures >= policy.maxFailures();
    }

    /** Records an attempt as failed before it is tried; {@link #succeeded()} undoes it. */
    void beginAttempt() throws IOException {
        failures++;
        lastFailureMillis = clock.millis();
        save();
    }

    void succeeded() throws IOException {
        failures = 0;
        lastFailureMillis = 0;
        save();
    }

    private void save() throws IOException {
        Durable.writeAtomically(file, (failures + " " + lastFailureMillis + "\n").getBytes(StandardCharsets.US_ASCII));
    }
}
