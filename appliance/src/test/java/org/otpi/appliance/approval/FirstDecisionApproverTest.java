package org.otpi.appliance.approval;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FirstDecisionApproverTest {
    /** An approver whose answer the test gives by hand, recording cancels. */
    static final class Manual implements Approver {
        final List<String> cancelled = new ArrayList<>();
        CompletableFuture<Decision> future;

        @Override
        public CompletableFuture<Decision> request(ApprovalRequest request) {
            future = new CompletableFuture<>();
            return future;
        }

        @Override
        public void cancel(String requestId) {
            cancelled.add(requestId);
            future.complete(Decision.DENY);
        }
    }

    static ApprovalRequest req(String id) {
        return new ApprovalRequest(id, "laptop", "alice", ApprovalRequest.Operation.SEAL, 5, 37, 100,
                Instant.now().plusSeconds(30));
    }

    @Test
    void firstDecisionWins_andTheOthersAreCancelled() {
        Manual screen = new Manual();
        Manual buttons = new Manual();
        CompletableFuture<Decision> f = new FirstDecisionApprover(screen, buttons).request(req("r1"));
        assertFalse(f.isDone());
        buttons.future.complete(Decision.APPROVE);
        assertEquals(Decision.APPROVE, f.join());
        assertEquals(List.of("r1"), screen.cancelled);
        assertTrue(buttons.cancelled.isEmpty());

        Manual a = new Manual();
        Manual b = new Manual();
        CompletableFuture<Decision> g = new FirstDecisionApprover(a, b).request(req("r2"));
        a.future.complete(Decision.DENY);
        b.future.complete(Decision.APPROVE); // too late
        assertEquals(Decision.DENY, g.join());
    }

    @Test
    void unavailableApproverAbstains_butAllUnavailableIsNoApprover() {
        Manual buttons = new Manual();
        Approver noKiosk = r -> CompletableFuture.failedFuture(new ApproverUnavailableException("none"));
        CompletableFuture<Decision> f = new FirstDecisionApprover(noKiosk, buttons).request(req("r1"));
        assertFalse(f.isDone(), "the buttons can still answer");
        buttons.future.complete(Decision.APPROVE);
        assertEquals(Decision.APPROVE, f.join());

        CompletableFuture<Decision> g = new FirstDecisionApprover(noKiosk, noKiosk).request(req("r2"));
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, g::join);
        org.junit.jupiter.api.Assertions.assertInstanceOf(ApproverUnavailableException.class, e.getCause());
    }

    @Test
    void oneTimingOut_endsTheRequestAsATimeout_andTakesTheOtherPromptDown() {
        Manual screen = new Manual();
        Manual buttons = new Manual();
        CompletableFuture<Decision> f = new FirstDecisionApprover(screen, buttons).request(req("r1"));
        screen.future.completeExceptionally(new ApprovalTimeoutException("no answer"));
        java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.CompletionException.class, f::join);
        org.junit.jupiter.api.Assertions.assertInstanceOf(ApprovalTimeoutException.class, e.getCause());
        assertEquals(List.of("r1"), buttons.cancelled);
    }

    @Test
    void failingApprover_denies() {
        Manual buttons = new Manual();
        Approver broken = r -> {
            throw new IllegalStateException("boom");
        };
        CompletableFuture<Decision> f = new FirstDecisionApprover(broken, buttons).request(req("r1"));
        assertEquals(Decision.DENY, f.join());
        assertEquals(List.of("r1"), buttons.cancelled);
    }
}
