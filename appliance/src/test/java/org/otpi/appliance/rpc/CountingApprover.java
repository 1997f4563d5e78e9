package org.otpi.appliance.rpc;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.Decision;

/** TEST-ONLY approver: answers with a fixed decision, or holds requests for the test to answer. */
public final class CountingApprover implements Approver {
    /** What to do with each request. */
    public enum Mode {
        APPROVE, DENY, HOLD,
        /** Approved, to be read on the device's screen only (the screen's "read here"). */
        APPROVE_ON_DEVICE,
        /** The approver asked and no one answered in time. */
        TIME_OUT,
        /** The approver has nobody to ask (no kiosk connected). */
        UNAVAILABLE
    }

    private volatile Mode mode;
    public final List<ApprovalRequest> requests = new CopyOnWriteArrayList<>();
    public final List<String> cancelled = new CopyOnWriteArrayList<>();
    /** "requestId: reason" for each cancel that gave a reason. */
    public final List<String> reasons = new CopyOnWriteArrayList<>();
    public final BlockingQueue<CompletableFuture<Decision>> held = new LinkedBlockingQueue<>();

    public CountingApprover(Mode mode) {
        this.mode = mode;
    }

    public void mode(Mode m) {
        mode = m;
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        requests.add(request);
        return switch (mode) {
            case APPROVE -> CompletableFuture.completedFuture(Decision.APPROVE);
            case APPROVE_ON_DEVICE -> CompletableFuture.completedFuture(Decision.APPROVE_ON_DEVICE);
            case DENY -> CompletableFuture.completedFuture(Decision.DENY);
            case TIME_OUT -> CompletableFuture.failedFuture(
                    new org.otpi.appliance.approval.ApprovalTimeoutException("no answer"));
            case UNAVAILABLE -> CompletableFuture.failedFuture(
                    new org.otpi.appliance.approval.ApproverUnavailableException("no kiosk connected"));
            case HOLD -> {
                CompletableFuture<Decision> f = new CompletableFuture<>();
                held.add(f);
                yield f;
            }
        };
    }

    @Override
    public void cancel(String requestId) {
        cancelled.add(requestId);
    }

    @Override
    public void cancel(String requestId, String reason) {
        reasons.add(requestId + ": " + reason);
        cancel(requestId);
    }
}
