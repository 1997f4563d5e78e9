package org.otpi.appliance.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class StandingApprovalsTest {
    private final AtomicInteger askedPerson = new AtomicInteger();
    private final Approver personSaysNo = r -> {
        askedPerson.incrementAndGet();
        return CompletableFuture.completedFuture(Decision.DENY);
    };

    private static ApprovalRequest req(String contact, long pad) {
        return new ApprovalRequest(UUID.randomUUID().toString(), "laptop", contact, ApprovalRequest.Operation.SEAL,
                pad, pad, 0, Instant.EPOCH.plusSeconds(60));
    }

    @Test
    void grantApprovesWithinBudgetOnly_thenAsksThePerson() {
        StandingApprovals s = new StandingApprovals(personSaysNo, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        s.grant("bob", 100, Instant.EPOCH.plusSeconds(3600));
        assertEquals(Decision.APPROVE, s.request(req("bob", 60)).join());
        assertEquals(Decision.APPROVE, s.request(req("bob", 40)).join());
        assertEquals(0, askedPerson.get());
        assertEquals(0, s.grants().get(0).remaining());
        assertEquals(Decision.DENY, s.request(req("bob", 1)).join(), "budget spent: the person decides");
        assertEquals(1, askedPerson.get());
    }

    @Test
    void grantCoversOnlyItsContact() {
        StandingApprovals s = new StandingApprovals(personSaysNo, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        s.grant("bob", 1000, Instant.EPOCH.plusSeconds(3600));
        assertEquals(Decision.DENY, s.request(req("carol", 1)).join());
        assertEquals(1, askedPerson.get());
    }

    @Test
    void expiredGrant_approvesNothing() {
        StandingApprovals s = new StandingApprovals(personSaysNo, Clock.fixed(Instant.EPOCH.plusSeconds(3600), ZoneOffset.UTC));
        s.grant("bob", 1000, Instant.EPOCH.plusSeconds(3600));
        assertEquals(Decision.DENY, s.request(req("bob", 1)).join());
        assertEquals(0, s.grants().size());
    }

    @Test
    void oversizedRequest_isNotSplitAcrossTheBudget() {
        StandingApprovals s = new StandingApprovals(personSaysNo, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
        s.grant("bob", 100, Instant.EPOCH.plusSeconds(3600));
        assertEquals(Decision.DENY, s.request(req("bob", 101)).join());
        assertEquals(100, s.grants().get(0).remaining(), "a refused request costs the grant nothing");
        s.revoke("bob");
        assertEquals(0, s.grants().size());
    }
}
