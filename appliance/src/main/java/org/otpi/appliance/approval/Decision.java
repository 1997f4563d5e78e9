package org.otpi.appliance.approval;

/** A person's answer to an {@link ApprovalRequest}. Anything but an approval means no pad is used. */
public enum Decision {
    APPROVE,
    DENY,
    /**
     * Approved, and the opened message is read on the device's screen only: the laptop never gets
     * its text (DESIGN section 8, "read on the device"). Only the screen gives it, only for opens;
     * code that knows only {@link #APPROVE} treats it as a denial, which is the safe side.
     */
    APPROVE_ON_DEVICE;

    /** Whether pad may be used. */
    public boolean approves() {
        return this != DENY;
    }
}
