package org.otpi.appliance.rpc;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.otpi.protocol.rpc.ErrorCodes;

/**
 * How an approval ended, as far as the laptop may know it: only what the person (or nobody) did,
 * never pad or vault detail. Anything but {@link #APPROVED} means no pad is touched.
 */
enum ApprovalOutcome {
    APPROVED(null),
    /** Approved, and the opened message is read on the device's screen only (the person's choice there). */
    APPROVED_ON_DEVICE(null),
    /** The person said no. */
    DENIED(ErrorCodes.DENIED),
    /** Asked, but no one answered in time. */
    TIMED_OUT(ErrorCodes.APPROVAL_TIMEOUT),
    /** Nobody could be asked (no kiosk connected, approver failed, deny-only device). */
    NO_APPROVER(ErrorCodes.NO_APPROVER);

    private final String code;

    ApprovalOutcome(String code) {
        this.code = code;
    }

    boolean approved() {
        return this == APPROVED || this == APPROVED_ON_DEVICE;
    }

    /** The client-visible refusal (403 with this outcome's code); not for {@link #APPROVED}. */
    RpcErrors.Failure failure() {
        if (code == null) {
            throw new IllegalStateException("approved is not a failure");
        }
        return RpcErrors.of(HttpResponseStatus.FORBIDDEN, code);
    }
}
