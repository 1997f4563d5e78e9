package org.otpi.appliance.approval;

/**
 * Completes an approval future exceptionally when the approver asked but no one answered before
 * its deadline. By the {@link Approver} contract that is a denial; the device RPC tells the laptop
 * "no one answered" instead of "denied", so the person at the laptop knows to look at the device.
 */
public final class ApprovalTimeoutException extends RuntimeException {
    public ApprovalTimeoutException(String message) {
        super(message, null, false, false);
    }
}
