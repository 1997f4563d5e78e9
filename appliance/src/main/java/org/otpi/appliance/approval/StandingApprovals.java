package org.otpi.appliance.approval;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.tinylog.Logger;

/**
 * The standing-approval policy (DESIGN law 5): the person may pre-approve uses of one contact's
 * pad up to a byte budget until an expiry. Requests inside a grant are approved at once and
 * charged to it; everything else goes to the wrapped approver (the person). Every use of a grant
 * is logged on the security tag, and {@link #grants()} lists them for the device's screen.
 *
 * <p>Thread-safety: synchronized.
 */
public final class StandingApprovals implements Approver {
    /**
     * A standing approval.
     *
     * @param contact   the only contact it covers
     * @param remaining pad bytes it may still approve
     * @param expires   after this it approves nothing
     */
    public record Grant(String contact, long remaining, Instant expires) {
        public Grant {
            Objects.requireNonNull(contact, "contact");
            Objects.requireNonNull(expires, "expires");
            if (remaining < 0) {
                throw new IllegalArgumentException("negative budget");
            }
        }
    }

    private final Approver person;
    private final Clock clock;
    private final List<Grant> grants = new ArrayList<>();

    public StandingApprovals(Approver person, Clock clock) {
        this.person = Objects.requireNonNull(person, "person");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Adds a grant (set by the person on the device, never from the RPC). */
    public synchronized void grant(String contact, long padBytes, Instant expires) {
        grants.add(new Grant(contact, padBytes, expires));
        Logger.tag("security").info("standing approval set: contact '{}', {} pad bytes, until {}", contact, padBytes, expires);
    }

    /** Withdraws every grant for a contact. */
    public synchronized void revoke(String contact) {
        grants.removeIf(g -> g.contact().equals(contact));
        Logger.tag("security").info("standing approvals for '{}' revoked", contact);
    }

    /** Live grants, for display on the device. */
    public synchronized List<Grant> grants() {
        Instant now = clock.instant();
        grants.removeIf(g -> !now.isBefore(g.expires()));
        return List.copyOf(grants);
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        synchronized (this) {
            Instant now = clock.instant();
            for (int i = 0; i < grants.size(); i++) {
                Grant g = grants.get(i);
                if (g.contact().equals(request.contact()) && now.isBefore(g.expires())
                        && request.padBytes() <= g.remaining()) {
                    grants.set(i, new Grant(g.contact(), g.remaining() - request.padBytes(), g.expires()));
                    Logger.tag("security").info("standing approval used: client '{}' {} '{}' {} pad bytes, {} left in grant",
                            request.client(), request.operation(), request.contact(), request.padBytes(),
                            g.remaining() - request.padBytes());
                    return CompletableFuture.completedFuture(Decision.APPROVE);
                }
            }
        }
        return person.request(request);
    }

    @Override
    public void cancel(String requestId) {
        person.cancel(requestId);
    }
}
