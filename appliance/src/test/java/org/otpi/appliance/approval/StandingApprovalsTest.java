package org.otpi.appliance.approval;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StandingApprovalsTest {
    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static ApprovalRequest seal(String contact, long pad, Instant now) {
        return new ApprovalRequest("r" + pad, "laptop", contact, ApprovalRequest.Operation.SEAL, Math.max(0, pad - 32), pad, 0,
                now.plusSeconds(30));
    }

    @Test
    void grantCoversItsContact_withinBudget_untilExpiry() {
        MovableClock clock = new MovableClock();
        StandingApprovals s = new StandingApprovals(clock);
        AtomicInteger asked = new AtomicInteger();
        Approver approver = s.orElse(r -> {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(Decision.DENY);
        });
        StandingApprovals.Grant g = s.grant("alice", 100, Duration.ofMinutes(10));

        assertEquals(Decision.APPROVE, approver.request(seal("alice", 60, clock.now)).join());
        assertEquals(40, s.active().get(0).remainingBytes());
        assertEquals(0, asked.get());
        assertEquals(Decision.DENY, approver.request(seal("alice", 41, clock.now)).join(), "over budget: ask");
        assertEquals(Decision.DENY, approver.request(seal("bob", 10, clock.now)).join(), "other contact: ask");
        assertEquals(2, asked.get());
        assertEquals(Decision.APPROVE, approver.request(seal("alice", 40, clock.now)).join());
        assertTrue(s.active().isEmpty(), "spent grant ends");

        s.grant("alice", 1000, Duration.ofMinutes(10));
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        assertEquals(Decision.DENY, approver.request(seal("alice", 40, clock.now)).join(), "expired");
        assertTrue(s.active().isEmpty());
        assertNotNull(g.id());
    }

    @Test
    void revoke_endsAtOnce_andBadGrantsAreRefused() {
        MovableClock clock = new MovableClock();
        StandingApprovals s = new StandingApprovals(clock);
        StandingApprovals.Grant g = s.grant("alice", 100, Duration.ofMinutes(1));
        assertTrue(s.revoke(g.id()));
        assertFalse(s.revoke(g.id()));
        assertFalse(s.tryUse(seal("alice", 40, clock.now)));
        assertThrows(IllegalArgumentException.class, () -> s.grant("a", 0, Duration.ofMinutes(1)));
        assertThrows(IllegalArgumentException.class, () -> s.grant("a", 1, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> s.grant("a", 1, Duration.ofHours(25)));
    }

    @Test
    void concurrentUses_neverOverspend() throws Exception {
        MovableClock clock = new MovableClock();
        StandingApprovals s = new StandingApprovals(clock);
        s.grant("alice", 1000, Duration.ofMinutes(1));
        AtomicInteger approved = new AtomicInteger();
        Thread[] ts = new Thread[8];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = new Thread(() -> {
                for (int j = 0; j < 50; j++) {
                    if (s.tryUse(seal("alice", 33, clock.now))) {
                        approved.incrementAndGet();
                    }
                }
            });
            ts[i].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(1000 / 33, approved.get());
    }

    static ApprovalRequest open(String id, ApprovalRequest.Operation op, String contact, long pad, Instant now) {
        return new ApprovalRequest(id, "laptop", contact, op, pad, pad, 0, now.plusSeconds(30));
    }

    @Test
    void opens_areChargedByPadCost_andAFileOpenIsSettledToWhatItUsed() {
        MovableClock clock = new MovableClock();
        StandingApprovals s = new StandingApprovals(clock);
        AtomicInteger asked = new AtomicInteger();
        Approver approver = s.orElse(r -> {
            asked.incrementAndGet();
            return CompletableFuture.completedFuture(Decision.DENY);
        });
        s.grant("alice", 100, Duration.ofMinutes(10));
        assertEquals(Decision.APPROVE, approver.request(open("o1", ApprovalRequest.Operation.OPEN, "alice", 30, clock.now)).join());
        assertEquals(30, s.active().get(0).usedBytes());
        assertEquals(30, s.active().get(0).openedBytes());
        assertEquals(Decision.DENY, approver.request(open("o2", ApprovalRequest.Operation.OPEN, "alice", 71, clock.now)).join(),
                "an open that does not fit is asked for, as a seal is");
        assertEquals(1, asked.get());

        // a file open takes its upper bound (here the whole rest), then gives back what it did not use
        assertEquals(Decision.APPROVE, approver.request(open("f1", ApprovalRequest.Operation.OPEN_FILE, "alice", 70, clock.now)).join());
        assertEquals(1, s.active().size(), "spent, but kept while the file open is unsettled");
        assertEquals(0, s.active().get(0).remainingBytes());
        approver.settle("f1", 25);
        assertEquals(55, s.active().get(0).usedBytes());
        assertEquals(55, s.active().get(0).openedBytes());
        approver.settle("f1", 0);
        assertEquals(55, s.active().get(0).usedBytes(), "settled once");
        assertEquals(Decision.APPROVE, approver.request(seal("alice", 45, clock.now)).join());
        assertTrue(s.active().isEmpty(), "seals and opens together spent it");

        // a file open that failed keeps its whole charge
        s.grant("alice", 100, Duration.ofMinutes(10));
        assertEquals(Decision.APPROVE, approver.request(open("f2", ApprovalRequest.Operation.OPEN_FILE, "alice", 60, clock.now)).join());
        approver.settle("f2", 60);
        assertEquals(60, s.active().get(0).usedBytes());
    }
}
