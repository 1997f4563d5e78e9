package org.otpi.appliance.approval;

/**
 * Completes an approval future exceptionally when an approver has nobody to ask (no kiosk
 * connected). By the {@link Approver} contract that is a denial; {@link FirstDecisionApprover}
 * reads it as an abstention, so the buttons can still answer when the screen is gone.
 */
public final class ApproverUnavailableException extends RuntimeException {
    public ApproverUnavailableException(String message) {
        super(message, null, false, false);
    }
}
