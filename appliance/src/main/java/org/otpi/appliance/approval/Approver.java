package org.otpi.appliance.approval;

import java.util.concurrent.CompletableFuture;

/**
 * The seam through which a person decides every use of pad (DESIGN section 8, law 5).
 *
 * <p>Implementations: a console prompt (emulation), the kiosk touchscreen, GPIO buttons, the
 * standing-approval policy, and {@link AutoApprover} for demos. The returned future completes
 * exactly once; an implementation that cannot reach a person completes it with
 * {@link Decision#DENY}. Callers must treat a timeout or an exception as a denial and must not
 * consume pad before the future has completed with {@link Decision#APPROVE}.
 *
 * <p>Thread-safety: implementations are called from I/O threads and must not block in
 * {@code request}.
 */
public interface Approver {

    /** Asks for a decision; never blocks. */
    CompletableFuture<Decision> request(ApprovalRequest request);

    /** Withdraws a pending request (client went away); a no-op if already decided. */
    default void cancel(String requestId) {
    }

    /**
     * The approved use {@code requestId} is over and consumed {@code padBytesUsed} of pad (at most
     * what the request asked). An approver that charged the asked amount to a budget may give the
     * difference back; a call with the asked amount keeps the whole charge. A no-op by default.
     */
    default void settle(String requestId, long padBytesUsed) {
    }

    /**
     * Withdraws a pending request and says why, for the screen (e.g.
     * {@link #LAPTOP_GONE}); a no-op if already decided. By default the same as
     * {@link #cancel(String)}.
     */
    default void cancel(String requestId, String reason) {
        cancel(requestId);
    }

    /** The reason given when the laptop that asked disconnected before an answer. */
    String LAPTOP_GONE = "laptop disconnected";
}
