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
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * Pairing: a client asks to pair under a name, the device shows an 8-digit code on its own
 * screen, the client sends the code back and gets a token.
 *
 * <p>Limits: one pending pairing at a time, and a new start never displaces it (it is refused
 * until the pending one is paired, ended by wrong codes, or expired after {@link #TTL}): a
 * second laptop cannot swap its name under the code the person is reading. At most
 * {@value #STARTS_PER_MINUTE} starts a minute; {@value #ATTEMPTS} wrong codes end it (it may
 * start again at once);
 * {@value #LOCKOUT_FAILURES} wrong codes in a row lock pairing for {@link #LOCKOUT}; and per UTC
 * day at most {@value PairingBudget#STARTS_PER_DAY} starts and {@value PairingBudget#CODES_PER_DAY}
 * codes tried, counted durably on the SD card before each start and before each code is checked
 * ({@link PairingBudget}), so restarts, crashes and kills give no fresh guesses. A guess therefore
 * succeeds with probability about 3 in 10^8 per code shown, and at most 30 in 10^8 a day.
 *
 * <p>Client names are chosen by the laptop; the security log gets their pseudonyms
 * ({@link Redact#client}), the screen the names.
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
    private final PairingBudget budget;

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
        this.budget = PairingBudget.open(registry.stateDir(), clock);
    }

    /**
     * Starts a pairing and shows its code on the device; empty while pairing is locked out, while
     * another pairing is pending, or when today's budget is spent (the client sees "busy").
     */
    public synchronized Optional<Started> start(String clientName) {
        if (!ClientRegistry.NAME.matcher(clientName).matches()) {
            throw new IllegalArgumentException("bad client name");
        }
        String who = Redact.client(clientName);
        Instant now = clock.instant();
        if (now.isBefore(lockedUntil)) {
            Logger.tag("security").warn("pairing start from {} refused: pairing locked after wrong codes", who);
            return Optional.empty();
        }
        if (pending != null && now.isAfter(pending.expires)) {
            Logger.tag("security").info("pairing for {} expired unused", Redact.client(pending.clientName));
            end();
        }
        if (pending != null) {
            Logger.tag("security").warn("pairing start from {} refused: the pairing for {} is still pending", who,
                    Redact.client(pending.clientName));
            return Optional.empty();
        }
        while (!recentStarts.isEmpty() && recentStarts.peekFirst().isBefore(now.minus(Duration.ofMinutes(1)))) {
            recentStarts.removeFirst();
        }
        if (recentStarts.size() >= STARTS_PER_MINUTE) {
            Logger.tag("security").warn("pairing start from {} refused: more than {} starts in a minute", who, STARTS_PER_MINUTE);
            return Optional.empty();
        }
        try {
            if (!budget.tryStart()) {
                Logger.tag("security").warn("pairing start from {} refused: {} starts today already (the limit)", who,
                        PairingBudget.STARTS_PER_DAY);
                return Optional.empty();
            }
        } catch (IOException e) {
            Logger.tag("security").error("pairing start from {} refused: cannot count it on the SD card ({})", who,
                    e.getMessage());
            return Optional.empty();
        }
        recentStarts.addLast(now);
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        String code = String.format("%0" + DIGITS + "d", random.nextInt(100_000_000));
        pending = new Pending(HexFormat.of().formatHex(idBytes), clientName,
                code.getBytes(StandardCharsets.US_ASCII), now.plus(TTL));
        Logger.tag("security").info("pairing started for client {} ({} starts left today)", who, budget.startsLeft());
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
        String who = Redact.client(pending.clientName);
        if (now.isAfter(pending.expires)) {
            Logger.tag("security").warn("pairing for {} expired", who);
            end();
            return Optional.empty();
        }
        // Counted (durably) before the code is compared: killing the device after a wrong guess
        // gives no free one.
        boolean counted;
        try {
            counted = budget.tryCode();
        } catch (IOException e) {
            Logger.tag("security").error("pairing code for {} not checked: cannot count it on the SD card ({})", who,
                    e.getMessage());
            return Optional.empty();
        }
        if (!counted) {
            Logger.tag("security").warn("pairing code for {} not checked: {} codes tried today already (the limit);"
                    + " pairing ended", who, PairingBudget.CODES_PER_DAY);
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
            Logger.tag("security").info("client {} paired", who);
            return Optional.of(new Paired(token, name));
        }
        failuresInARow++;
        // ATTEMPTS wrong codes end the pairing: the person may retype the code the screen shows
        // (the laptop is told wrong_code while attempts are left), then start again at once.
        pending.attemptsLeft--;
        Logger.tag("security").warn("wrong pairing code for {} ({} attempts left, {} failures in a row, {} codes left today)",
                who, pending.attemptsLeft, failuresInARow, budget.codesLeft());
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

    /**
     * The laptop that started the pending pairing gives it up. Needs the pairing id (only that laptop
     * has it), compared in constant time; anything else changes nothing. True if it was cancelled.
     */
    public synchronized boolean cancel(String pairingId) {
        if (pending == null || pairingId == null || !MessageDigest.isEqual(pending.id.getBytes(StandardCharsets.US_ASCII),
                pairingId.getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        Logger.tag("security").info("pairing for {} cancelled by the laptop that started it", Redact.client(pending.clientName));
        end();
        return true;
    }

    private void end() {
        display.clear(pending.clientName);
        java.util.Arrays.fill(pending.code, (byte) 0);
        pending = null;
    }
}
