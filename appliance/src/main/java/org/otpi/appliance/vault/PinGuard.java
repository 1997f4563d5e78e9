package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wrong-PIN rate limiting and the wipe limit, per vault, kept on the SD card (state directory) so
 * that swapping media does not reset them.
 *
 * <pre>
 *   pin.state = "otpi-pin 2" NL ( vault-id-hex failures lastFailureMillis interrupted wiped|intact NL )*
 *   (v1: "failures lastFailureMillis", one count for every vault: read as the count of any vault)
 * </pre>
 *
 * <p>Guarantees, and the order that gives them:
 * <ol>
 *   <li>Counts belong to a vault id (every copy of a stick has its vault's id, bound into the
 *       wrapped key). A right PIN resets only that vault's count: setting up a blank stick and
 *       unlocking it resets nothing for the stick under attack, and neither does first-run setup.</li>
 *   <li>{@link #beginAttempt} records an attempt as <em>interrupted</em> (fsync) before the PIN
 *       is tried. A crash or power cut mid-attempt leaves it interrupted, never counted as a wrong
 *       PIN: ten brown-outs during right-PIN unlocks do not wipe the vault.</li>
 *   <li>A wrong PIN is recorded as a failure (fsync) by {@link #failed} before anyone learns the
 *       result: killing the process after a wrong guess gives no free guess, because nothing
 *       reveals that the guess was wrong until it is counted.</li>
 *   <li>Success and failure write the same file first and differ only after it is written, so
 *       cutting the power when the result shows (or when the SD card is written) is too late to
 *       undo it; an interrupted attempt revealed nothing, so it neither counts nor slows down.</li>
 *   <li>At {@code policy.maxFailures()} failures the caller wipes (the wrapped key overwritten in
 *       place, the device secret rotated, so every copy dies) and records it with {@link #wiped}.</li>
 * </ol>
 *
 * <p>Limit, plainly: someone who holds both the SD card and a copy of the medium can attack the
 * PIN offline at the speed of Argon2id; this guard only protects a device used through its own
 * software.
 */
final class PinGuard {
    static final String FILE = "pin.state";
    private static final String HEADER = "otpi-pin 2";
    private static final String ANY = "*";

    private final Path file;
    private final String vault;
    private final VaultPolicy policy;
    private final Clock clock;
    private final Map<String, Count> counts = new LinkedHashMap<>();

    private static final class Count {
        int failures;
        long lastFailureMillis;
        int interrupted;
        boolean wiped;
    }

    PinGuard(Path stateDir, byte[] vaultId, VaultPolicy policy, Clock clock) throws IOException {
        this.file = stateDir.resolve(FILE);
        this.vault = java.util.HexFormat.of().formatHex(vaultId);
        this.policy = policy;
        this.clock = clock;
        if (Files.exists(file)) {
            String[] lines = Files.readString(file, StandardCharsets.US_ASCII).split("\n");
            try {
                if (lines[0].trim().equals(HEADER)) {
                    for (int i = 1; i < lines.length; i++) {
                        String[] f = lines[i].trim().split(" ");
                        if (f.length == 5) {
                            counts.put(f[0], parse(f[1], f[2], f[3], "wiped".equals(f[4])));
                        }
                    }
                } else {
                    String[] f = lines[0].trim().split(" ");
                    counts.put(ANY, parse(f[0], f[1], "0", false));
                }
            } catch (RuntimeException e) {
                // A damaged file (it is written atomically, so only tampering) is treated as the
                // worst case short of wiping.
                Count worst = new Count();
                worst.failures = Math.max(0, policy.maxFailures() - 1);
                worst.lastFailureMillis = clock.millis();
                counts.clear();
                counts.put(ANY, worst);
            }
        }
        Count legacy = counts.remove(ANY);
        if (legacy != null && legacy.failures > mine().failures) {
            mine().failures = legacy.failures;
            mine().lastFailureMillis = legacy.lastFailureMillis;
        }
    }

    private static Count parse(String failures, String last, String interrupted, boolean wiped) {
        Count c = new Count();
        c.failures = Integer.parseInt(failures);
        c.lastFailureMillis = Long.parseLong(last);
        c.interrupted = Integer.parseInt(interrupted);
        c.wiped = wiped;
        if (c.failures < 0 || c.interrupted < 0) {
            throw new NumberFormatException("negative count");
        }
        return c;
    }

    private Count mine() {
        return counts.computeIfAbsent(vault, k -> new Count());
    }

    int failures() {
        return mine().failures;
    }

    int attemptsLeft() {
        return Math.max(0, policy.maxFailures() - failures());
    }

    /** Attempts that began and never finished (crash, power cut). */
    int interrupted() {
        return mine().interrupted;
    }

    /** Milliseconds until the next attempt is allowed (0 if now). */
    long waitMillis() {
        Count c = mine();
        long until = c.lastFailureMillis + policy.delayAfter(c.failures);
        return Math.max(0, until - clock.millis());
    }

    boolean exhausted() {
        return failures() >= policy.maxFailures();
    }

    boolean isWiped() {
        return mine().wiped;
    }

    /** Records that an attempt begins (fsync) before the PIN is tried. */
    void beginAttempt() throws IOException {
        mine().interrupted++;
        save();
    }

    /** Records a wrong PIN (fsync); call before anything reveals the result. */
    void failed() throws IOException {
        Count c = mine();
        c.interrupted = Math.max(0, c.interrupted - 1);
        c.failures++;
        c.lastFailureMillis = clock.millis();
        save();
    }

    /** Records a right PIN: this vault's counts go back to zero. */
    void succeeded() throws IOException {
        counts.remove(vault);
        save();
    }

    /** Records that this vault is wiped (after the PIN limit, or a panic wipe). */
    void wiped() throws IOException {
        Count c = mine();
        c.failures = Math.max(c.failures, policy.maxFailures());
        c.wiped = true;
        save();
    }

    private void save() throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        counts.forEach((id, c) -> b.append(id).append(' ').append(c.failures).append(' ').append(c.lastFailureMillis)
                .append(' ').append(c.interrupted).append(' ').append(c.wiped ? "wiped" : "intact").append('\n'));
        Durable.writeAtomically(file, b.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
