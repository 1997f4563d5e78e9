package org.otpi.appliance.approval;

import java.util.concurrent.CompletableFuture;

/**
 * Approves everything. Only for demos and tests, selected with the explicit {@code --approve=auto}
 * flag, which the daemon announces loudly at start. Never the default, never on the image.
 */
public final class AutoApprover implements Approver {
    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        return CompletableFuture.completedFuture(Decision.APPROVE);
    }
}
