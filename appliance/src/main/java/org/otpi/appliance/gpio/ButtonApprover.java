package org.otpi.appliance.gpio;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.ApprovalTimeoutException;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.Decision;
import org.tinylog.Logger;

/**
 * Decides with the physical approve and deny buttons (units without a touchscreen, or beside
 * one through {@link org.otpi.appliance.approval.FirstDecisionApprover}). A press answers the
 * oldest pending request; the LED blinks while any is pending. Denied at the earlier of the
 * request's deadline and {@code timeout}, and at once while the tamper alarm is latched.
 * Thread-safe; {@link #request} never blocks.
 */
public final class ButtonApprover implements Approver {
    private final Duration timeout;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private volatile boolean alarm;
    private volatile Runnable onChange = () -> { };

    private static final String TIMEOUT = "timeout";

    private record Pending(CompletableFuture<Decision> future, ScheduledFuture<?> timeout) {
    }

    public ButtonApprover(PushButton approve, PushButton deny, Duration timeout, Clock clock,
                          ScheduledExecutorService timer) {
        this.timeout = timeout;
        this.clock = clock;
        this.timer = timer;
        approve.onPress(() -> answerOldest(Decision.APPROVE, "approve button"));
        deny.onPress(() -> answerOldest(Decision.DENY, "deny button"));
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        if (alarm) {
            Logger.tag("security").warn("request {} denied: tamper alarm", request.id());
            return CompletableFuture.completedFuture(Decision.DENY);
        }
        Instant now = clock.instant();
        Instant deadline = request.deadline().isBefore(now.plus(timeout)) ? request.deadline() : now.plus(timeout);
        CompletableFuture<Decision> future = new CompletableFuture<>();
        synchronized (this) {
            if (pending.containsKey(request.id())) {
                return CompletableFuture.completedFuture(Decision.DENY);
            }
            ScheduledFuture<?> t = timer.schedule(() -> finish(request.id(), Decision.DENY, TIMEOUT),
                    Math.max(0, Duration.between(now, deadline).toMillis()), TimeUnit.MILLISECONDS);
            pending.put(request.id(), new Pending(future, t));
        }
        onChange.run();
        return future;
    }

    @Override
    public void cancel(String requestId) {
        finish(requestId, Decision.DENY, "withdrawn");
    }

    /** True while a request waits for a press. */
    public synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Latches (or clears) the tamper alarm; latching denies everything pending. */
    void setAlarm(boolean on) {
        alarm = on;
        if (on) {
            String[] ids;
            synchronized (this) {
                ids = pending.keySet().toArray(String[]::new);
            }
            for (String id : ids) {
                finish(id, Decision.DENY, "tamper alarm");
            }
        }
    }

    void onChange(Runnable r) {
        onChange = r;
    }

    private void answerOldest(Decision decision, String how) {
        String oldest;
        synchronized (this) {
            oldest = pending.isEmpty() ? null : pending.keySet().iterator().next();
        }
        if (oldest == null) {
            Logger.debug("{} pressed with nothing pending", how);
            return;
        }
        finish(oldest, alarm ? Decision.DENY : decision, how);
    }

    private void finish(String id, Decision decision, String reason) {
        Pending p;
        synchronized (this) {
            p = pending.remove(id);
        }
        if (p == null) {
            return;
        }
        p.timeout().cancel(false);
        Logger.tag("security").info("request {}: {} ({})", id, decision, reason);
        if (TIMEOUT.equals(reason)) {
            // still a denial by the Approver contract; the laptop is told "no one answered"
            p.future().completeExceptionally(new ApprovalTimeoutException("no button pressed in time"));
        } else {
            p.future().complete(decision);
        }
        onChange.run();
    }
}
