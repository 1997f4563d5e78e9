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
 * revocable with one touch. A use is covered only if it fits entirely in the remaining budget;
 * the budget is taken before the approval is returned, so concurrent uses cannot overspend.
 *
 * <p>Grants live in memory only: a restart (or a lock, see {@link #revokeAll}) ends them.
 * Thread-safe.
 */
public final class StandingApprovals {
    /** Longest grant the kiosk may set. */
    public static final Duration MAX_DURATION = Duration.ofHours(24);

    /** A grant as shown to the person. */
    public record Grant(String id, String contact, long budgetBytes, long usedBytes, Instant expires) {
        public long remainingBytes() {
            return budgetBytes - usedBytes;
        }
    }

    private final Clock clock;
    private final Map<String, Grant> grants = new LinkedHashMap<>();

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
                clock.instant().plus(validFor));
        grants.put(g.id(), g);
        Logger.tag("security").info("standing approval {} granted: contact {}, {} bytes, until {}",
                g.id(), org.otpi.appliance.securitylog.Redact.contact(contact), budgetBytes, g.expires());
        return g;
    }

    /** Ends a grant at once; false if it did not exist (or had already ended). */
    public synchronized boolean revoke(String id) {
        Grant g = grants.remove(id);
        if (g != null) {
            Logger.tag("security").info("standing approval {} revoked ({} of {} bytes used)",
                    id, g.usedBytes(), g.budgetBytes());
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
        for (Grant g : grants.values()) {
            if (g.contact().equals(request.contact()) && request.padBytes() <= g.remainingBytes()) {
                Grant used = new Grant(g.id(), g.contact(), g.budgetBytes(),
                        g.usedBytes() + request.padBytes(), g.expires());
                grants.put(g.id(), used);
                // no contact name: the security log lives on the SD card, contact names only in the vault
                Logger.tag("security").info("request {} ({} {} bytes) approved by standing approval {}",
                        request.id(), request.operation(), request.padBytes(), g.id());
                return true;
            }
        }
        return false;
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
            public void cancel(String requestId, String reason) {
                fallback.cancel(requestId, reason);
            }
        };
    }

    private void prune() {
        Instant now = clock.instant();
        grants.values().removeIf(g -> {
            boolean over = !now.isBefore(g.expires()) || g.remainingBytes() <= 0;
            if (over) {
                Logger.tag("security").info("standing approval {} ended ({})", g.id(),
                        g.remainingBytes() <= 0 ? "budget spent" : "expired");
            }
            return over;
        });
    }
}
