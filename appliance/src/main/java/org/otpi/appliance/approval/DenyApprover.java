package org.otpi.appliance.approval;

import java.util.concurrent.CompletableFuture;

/** Denies everything: the default when no person can be asked. */
public final class DenyApprover implements Approver {
    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        return CompletableFuture.completedFuture(Decision.DENY);
    }
}
