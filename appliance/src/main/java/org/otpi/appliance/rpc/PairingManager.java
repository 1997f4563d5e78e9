package org.otpi.appliance.rpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * Pairing: a client asks to pair under a name, the device shows an 8-digit code on its own
 * screen, the client sends the code back and gets a token.
 *
 * <p>Limits: one pending pairing at a time (a new start replaces it, and the screen shows the new
 * client name); at most {@value #STARTS_PER_MINUTE} starts a minute; {@value #ATTEMPTS} wrong codes end a pairing; {@value #LOCKOUT_FAILURES} wrong
 * codes in a row lock pairing for {@link #LOCKOUT}. A guess therefore succeeds with probability
 * about 3 in 10^8 per code shown on the screen.
 *
 * <p>Thread-safety: synchronized.
 */
public final class PairingManager {
    static final int DIGITS = 8;
    static final int ATTEMPTS = 3;
    static final int LOCKOUT_FAILURES = 10;
    static final Duration TTL = Duration.ofMinutes(2);
    static final Duration LOCKOUT = Duration.ofMinutes(1);
    /** At most this many pairing starts per minute: a client cannot flood the device's screen. */
    static final int STARTS_PER_MINUTE = 10;

    private final ClientRegistry registry;
    private final PairingDisplay display;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private Pending pending;
    private int failuresInARow;
    private Instant lockedUntil = Instant.MIN;
    private final java.util.ArrayDeque<Instant> recentStarts = new java.util.ArrayDeque<>();

    private static final class Pending {
        final String id;
        final String clientName;
        final byte[] code;
        final Instant expires;
        int attemptsLeft = ATTEMPTS;

        Pending(String id, String clientName, byte[] code, Instant expires) {
            this.id = id;
            this.clientName = clientName;
            this.code = code;
            this.expires = expires;
        }
    }

    /** A started pairing: the id the client must echo. */
    public record Started(String pairingId, int codeDigits, Duration validFor) {
    }

    /** A finished pairing: the token (to hand to the client once) and the client name. */
    public record Paired(String token, String clientName) {
        @Override
        public String toString() {
            return "Paired[token=<redacted>, clientName=" + clientName + "]";
        }
    }

    public PairingManager(ClientRegistry registry, PairingDisplay display, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.display = Objects.requireNonNull(display, "display");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Starts a pairing and shows its code on the device; empty while pairing is locked out. */
    public synchronized Optional<Started> start(String clientName) {
        if (!ClientRegistry.NAME.matcher(clientName).matches()) {
            throw new IllegalArgumentException("bad client name");
        }
        Instant now = clock.instant();
        if (now.isBefore(lockedUntil)) {
            Logger.tag("security").warn("pairing start from '{}' refused: pairing locked after wrong codes", clientName);
            return Optional.empty();
        }
        while (!recentStarts.isEmpty() && recentStarts.peekFirst().isBefore(now.minus(Duration.ofMinutes(1)))) {
            recentStarts.removeFirst();
        }
        if (recentStarts.size() >= STARTS_PER_MINUTE) {
            Logger.tag("security").warn("pairing start from '{}' refused: more than {} starts in a minute", clientName, STARTS_PER_MINUTE);
            return Optional.empty();
        }
        recentStarts.addLast(now);
        if (pending != null) {
            display.clear(pending.clientName);
        }
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        String code = String.format("%0" + DIGITS + "d", random.nextInt(100_000_000));
        pending = new Pending(HexFormat.of().formatHex(idBytes), clientName,
                code.getBytes(StandardCharsets.US_ASCII), now.plus(TTL));
        Logger.tag("security").info("pairing started for client '{}'", clientName);
        display.show(clientName, code, TTL);
        return Optional.of(new Started(pending.id, DIGITS, TTL));
    }

    /** Checks a code; on success issues and returns the token. Every failure looks the same. */
    public synchronized Optional<Paired> finish(String pairingId, String code) throws IOException {
        Instant now = clock.instant();
        if (now.isBefore(lockedUntil) || pending == null) {
            Logger.tag("security").warn("pairing finish refused: {}", pending == null ? "no pairing pending" : "locked");
            return Optional.empty();
        }
        if (now.isAfter(pending.expires)) {
            Logger.tag("security").warn("pairing for '{}' expired", pending.clientName);
            end();
            return Optional.empty();
        }
        boolean idOk = MessageDigest.isEqual(pending.id.getBytes(StandardCharsets.US_ASCII),
                String.valueOf(pairingId).getBytes(StandardCharsets.US_ASCII));
        boolean codeOk = MessageDigest.isEqual(pending.code, String.valueOf(code).getBytes(StandardCharsets.US_ASCII));
        if (idOk && codeOk) {
            String name = pending.clientName;
            end();
            failuresInARow = 0;
            String token = registry.issue(name);
            Logger.tag("security").info("client '{}' paired", name);
            return Optional.of(new Paired(token, name));
        }
        failuresInARow++;
        pending.attemptsLeft--;
        Logger.tag("security").warn("wrong pairing code for '{}' ({} attempts left, {} failures in a row)",
                pending.clientName, pending.attemptsLeft, failuresInARow);
        if (pending.attemptsLeft <= 0) {
            end();
        }
        if (failuresInARow >= LOCKOUT_FAILURES) {
            lockedUntil = now.plus(LOCKOUT);
            failuresInARow = 0;
            Logger.tag("security").warn("pairing locked for {} s after repeated wrong codes", LOCKOUT.toSeconds());
        }
        return Optional.empty();
    }

    /**
     * Whether the pairing {@code pairingId} still waits for its code (not ended by wrong codes,
     * expiry, success or a newer start): the client may let the person try again.
     */
    public synchronized boolean pending(String pairingId) {
        Instant now = clock.instant();
        return pending != null && !now.isBefore(lockedUntil) && !now.isAfter(pending.expires)
                && MessageDigest.isEqual(pending.id.getBytes(StandardCharsets.US_ASCII),
                        String.valueOf(pairingId).getBytes(StandardCharsets.US_ASCII));
    }

    private void end() {
        display.clear(pending.clientName);
        java.util.Arrays.fill(pending.code, (byte) 0);
        pending = null;
    }
}
