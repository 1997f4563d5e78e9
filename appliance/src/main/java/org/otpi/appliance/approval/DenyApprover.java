package org.otpi.appliance.approval;

import java.util.concurrent.CompletableFuture;

/**
 * Denies everything: the default when no person can be asked. It fails each request with
 * {@link ApproverUnavailableException} (a denial by the {@link Approver} contract), so the laptop
 * hears "no one can approve on the device" rather than "the person said no".
 */
public final class DenyApprover implements Approver {
    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        return CompletableFuture.failedFuture(new ApproverUnavailableException("no approver configured"));
    }
}
