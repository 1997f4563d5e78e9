package org.otpi.appliance.approval;

/** A person's answer to an {@link ApprovalRequest}. Anything but APPROVE means no pad is used. */
public enum Decision {
    APPROVE,
    DENY
}
