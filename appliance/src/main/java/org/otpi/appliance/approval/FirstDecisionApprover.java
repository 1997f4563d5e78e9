package org.otpi.appliance.approval;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * Asks several approvers at once (touchscreen and buttons): the first decision wins and the
 * others are cancelled, so their prompts close. An approver completing with
 * {@link ApproverUnavailableException} abstains; if every approver abstains the result fails the
 * same way (no one to ask). One timing out ({@link ApprovalTimeoutException}) ends the request
 * with that failure; one failing in any other way is {@link Decision#DENY}. Failures are denials
 * by the {@link Approver} contract; the RPC tells the laptop which it was.
 */
public final class FirstDecisionApprover implements Approver {
    private final List<Approver> approvers;

    public FirstDecisionApprover(List<Approver> approvers) {
        if (approvers.isEmpty()) {
            throw new IllegalArgumentException("no approvers");
        }
        this.approvers = List.copyOf(approvers);
    }

    public FirstDecisionApprover(Approver... approvers) {
        this(List.of(approvers));
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        CompletableFuture<Decision> result = new CompletableFuture<>();
        AtomicInteger abstained = new AtomicInteger();
        for (Approver approver : approvers) {
            CompletableFuture<Decision> one;
            try {
                one = approver.request(request);
            } catch (RuntimeException e) {
                one = CompletableFuture.failedFuture(e);
            }
            one.whenComplete((decision, error) -> {
                Throwable cause = error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof ApproverUnavailableException) {
                    if (abstained.incrementAndGet() == approvers.size()) {
                        fail(request, result, new ApproverUnavailableException("no approver can answer"), approver);
                    }
                    return;
                }
                if (cause instanceof ApprovalTimeoutException timeout) {
                    fail(request, result, timeout, approver);
                    return;
                }
                if (cause != null) {
                    Logger.tag("security").warn("approver {} failed on {}: {}",
                            approver.getClass().getSimpleName(), request.id(), cause.toString());
                }
                settle(request, result, cause == null ? decision : Decision.DENY, approver);
            });
        }
        return result;
    }

    private void fail(ApprovalRequest request, CompletableFuture<Decision> result, RuntimeException why,
                      Approver source) {
        if (result.completeExceptionally(why)) {
            for (Approver other : approvers) {
                if (other != source) {
                    other.cancel(request.id());
                }
            }
        }
    }

    private void settle(ApprovalRequest request, CompletableFuture<Decision> result,
                        Decision decision, Approver winner) {
        if (result.complete(decision)) {
            for (Approver other : approvers) {
                if (other != winner) {
                    other.cancel(request.id());
                }
            }
        }
    }

    @Override
    public void cancel(String requestId) {
        for (Approver approver : approvers) {
            approver.cancel(requestId);
        }
    }

    @Override
    public void cancel(String requestId, String reason) {
        for (Approver approver : approvers) {
            approver.cancel(requestId, reason);
        }
    }
}
