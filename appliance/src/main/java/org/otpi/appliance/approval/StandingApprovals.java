package org.otpi.appliance.approval;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * Standing approvals (DESIGN law 5): the person allows uses of one contact's pad without being
 * asked, up to a byte budget, until an expiry. Grants are visible on the kiosk while active and
 * revocable with one touch. Seals and opens alike are charged by their pad cost (an open by the
 * sender's pad it verifies and destroys). A use is covered only if it fits entirely in the
 * remaining budget; the budget is taken before the approval is returned, so concurrent uses
 * cannot overspend. A file open is charged an upper bound (its body is read only afterwards);
 * {@link #settle} gives back what it did not use.
 *
 * <p>Grants live in memory only: a restart (or a lock, see {@link #revokeAll}) ends them.
 * Thread-safe.
 */
public final class StandingApprovals {
    /** Longest grant the kiosk may set. */
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    /**
     * A grant as shown to the person.
     *
     * @param usedBytes   pad charged so far, seals and opens together
     * @param openedBytes the part of {@code usedBytes} charged by opens
     */
    public record Grant(String id, String contact, long budgetBytes, long usedBytes, Instant expires, long openedBytes) {
        public Grant(String id, String contact, long budgetBytes, long usedBytes, Instant expires) {
            this(id, contact, budgetBytes, usedBytes, expires, 0);
        }

        public long remainingBytes() {
            return budgetBytes - usedBytes;
        }

        Grant charge(long bytes, boolean open) {
            return new Grant(id, contact, budgetBytes, usedBytes + bytes, expires, openedBytes + (open ? bytes : 0));
        }
    }

    /** A charge that may still be settled for less (a file open's upper bound). */
    private record Charge(String grantId, long bytes, boolean open) {
    }

    private final Clock clock;
    private final Map<String, Grant> grants = new LinkedHashMap<>();
    /** Charges of approved file opens, by request id, until {@link #settle}d. Bounded: see there. */
    private final Map<String, Charge> unsettled = new LinkedHashMap<>();
    private static final int MAX_UNSETTLED = 256;

    public StandingApprovals(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Grants contact up to budgetBytes of pad uses for validFor. */
    public synchronized Grant grant(String contact, long budgetBytes, Duration validFor) {
        Objects.requireNonNull(contact, "contact");
        if (budgetBytes <= 0 || validFor.isNegative() || validFor.isZero()
                || validFor.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("budget must be positive and duration within 24 h");
        }
        Grant g = new Grant(UUID.randomUUID().toString(), contact, budgetBytes, 0,
                clock.instant().plus(validFor), 0);
        grants.put(g.id(), g);
        Logger.tag("security").info("standing approval {} granted: contact {}, {} pad bytes (seals and opens), until {}",
                g.id(), org.otpi.appliance.securitylog.Redact.contact(contact), budgetBytes, g.expires());
        return g;
    }

    /** Ends a grant at once; false if it did not exist (or had already ended). */
    public synchronized boolean revoke(String id) {
        Grant g = grants.remove(id);
        if (g != null) {
            Logger.tag("security").info("standing approval {} revoked ({} of {} pad bytes used, {} by opens)",
                    id, g.usedBytes(), g.budgetBytes(), g.openedBytes());
        }
        return g != null;
    }

    /** Ends every grant (vault locked, tamper). */
    public synchronized void revokeAll() {
        new ArrayList<>(grants.keySet()).forEach(this::revoke);
    }

    /** The active grants, oldest first; expired and spent grants are dropped here. */
    public synchronized List<Grant> active() {
        prune();
        return List.copyOf(grants.values());
    }

    /**
     * Takes the request's pad bytes from a covering grant. True if the use is approved by a
     * standing grant; false if the person must be asked.
     */
    public synchronized boolean tryUse(ApprovalRequest request) {
        prune();
        boolean open = request.operation() == ApprovalRequest.Operation.OPEN
                || request.operation() == ApprovalRequest.Operation.OPEN_FILE;
        for (Grant g : grants.values()) {
            if (g.contact().equals(request.contact()) && request.padBytes() <= g.remainingBytes()) {
                Grant used = g.charge(request.padBytes(), open);
                grants.put(g.id(), used);
                if (request.operation() == ApprovalRequest.Operation.OPEN_FILE) {
                    if (unsettled.size() >= MAX_UNSETTLED) {
                        unsettled.remove(unsettled.keySet().iterator().next()); // keeps its whole charge
                    }
                    unsettled.put(request.id(), new Charge(g.id(), request.padBytes(), true));
                }
                // no contact name: the security log lives on the SD card, contact names only in the vault
                Logger.tag("security").info("request {} ({} {} bytes) approved by standing approval {}: {} pad bytes"
                                + " charged, {} of {} left", request.id(), request.operation(), request.messageLength(), g.id(),
                        request.padBytes(), used.remainingBytes(), used.budgetBytes());
                return true;
            }
        }
        return false;
    }

    /**
     * A file open approved by a grant is over and used {@code padBytesUsed}: the rest of its
     * upper-bound charge goes back to the grant (if the grant is still active). Unknown ids (asked
     * of the person, or already settled) are ignored. Charges never settled keep their whole
     * amount, so a lost settle can only undercount what is left, never overspend.
     */
    public synchronized void settle(String requestId, long padBytesUsed) {
        Charge c = unsettled.remove(requestId);
        if (c == null || padBytesUsed >= c.bytes()) {
            return;
        }
        long back = c.bytes() - Math.max(0, padBytesUsed);
        Grant g = grants.get(c.grantId());
        if (g != null) {
            grants.put(g.id(), g.charge(-back, c.open()));
            Logger.tag("security").info("request {}: {} pad bytes used of the {} charged; {} back to standing approval {}",
                    requestId, padBytesUsed, c.bytes(), back, g.id());
        }
    }

    /** An approver that approves what a grant covers and asks {@code fallback} otherwise. */
    public Approver orElse(Approver fallback) {
        Objects.requireNonNull(fallback, "fallback");
        return new Approver() {
            @Override
            public CompletableFuture<Decision> request(ApprovalRequest request) {
                return tryUse(request) ? CompletableFuture.completedFuture(Decision.APPROVE)
                        : fallback.request(request);
            }

            @Override
            public void cancel(String requestId) {
                fallback.cancel(requestId);
            }

            @Override
            public void settle(String requestId, long padBytesUsed) {
                StandingApprovals.this.settle(requestId, padBytesUsed);
                fallback.settle(requestId, padBytesUsed);
            }

            @Override
            public void cancel(String requestId, String reason) {
                fallback.cancel(requestId, reason);
            }
        };
    }

    private void prune() {
        Instant now = clock.instant();
        grants.values().removeIf(g -> {
            // A spent grant waits for its file opens to settle: they may give some budget back.
            boolean over = !now.isBefore(g.expires())
                    || g.remainingBytes() <= 0 && unsettled.values().stream().noneMatch(c -> c.grantId().equals(g.id()));
            if (over) {
                Logger.tag("security").info("standing approval {} ended ({})", g.id(),
                        g.remainingBytes() <= 0 ? "budget spent" : "expired");
            }
            return over;
        });
    }
}
