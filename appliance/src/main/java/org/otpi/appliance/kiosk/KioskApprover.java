package org.otpi.appliance.kiosk;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.ApprovalTimeoutException;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.ApproverUnavailableException;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.securitylog.Redact;
import org.otpi.protocol.kiosk.KioskMessage;
import org.tinylog.Logger;

/**
 * Asks the person on the kiosk touchscreen. Each request is pushed to every connected kiosk
 * session as an {@link KioskMessage.ApprovalPrompt}; the first {@code Decide} answers it.
 * Denied at the earlier of the request's deadline and {@code timeout} (the future fails with
 * {@link ApprovalTimeoutException}), and when the last kiosk disconnects (fails with
 * {@link ApproverUnavailableException}). With no kiosk connected the future fails with
 * {@link ApproverUnavailableException} (a denial by the {@link Approver} contract; an abstention
 * for {@link org.otpi.appliance.approval.FirstDecisionApprover}). Every decision is final and
 * goes to the security log.
 *
 * <p>Attach it to a {@link KioskServer}; thread-safe; {@link #request} never blocks.
 */
public final class KioskApprover implements Approver, AutoCloseable {
    private static final String TIMEOUT = "timeout";
    private static final String DISCONNECTED = "kiosk disconnected";
    private final Duration timeout;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiosk-approval-timer");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private volatile KioskServer server;

    private record Pending(KioskMessage.ApprovalPrompt prompt, CompletableFuture<Decision> future,
                           ScheduledFuture<?> timeout) {
    }

    public KioskApprover(Duration timeout, Clock clock) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        this.timeout = timeout;
        this.clock = clock;
    }

    /** 30 seconds, system clock. */
    public KioskApprover() {
        this(Duration.ofSeconds(30), Clock.systemUTC());
    }

    void attach(KioskServer server) {
        this.server = server;
    }

    @Override
    public CompletableFuture<Decision> request(ApprovalRequest request) {
        KioskServer s = server;
        if (s == null || s.sessionCount() == 0) {
            Logger.tag("security").warn("request {} from client {} for {}: no kiosk connected, denied",
                    request.id(), Redact.client(request.client()), Redact.contact(request.contact()));
            return CompletableFuture.failedFuture(new ApproverUnavailableException("no kiosk connected"));
        }
        Instant now = clock.instant();
        Instant deadline = request.deadline().isBefore(now.plus(timeout)) ? request.deadline() : now.plus(timeout);
        long delayMillis = Math.max(0, Duration.between(now, deadline).toMillis());
        ApprovalRequest.Details what = request.details();
        KioskMessage.ApprovalPrompt prompt = new KioskMessage.ApprovalPrompt(request.id(), request.client(),
                request.contact(), what.contactId().isEmpty() ? request.contact() : what.contactId(),
                request.operation().name(), request.messageLength(), what.lengthUpTo(), request.padBytes(),
                request.padRemainingAfter(), deadline.toEpochMilli(),
                java.util.Base64.getEncoder().encodeToString(what.text()), what.fileName(), what.fingerprint(),
                what.readOnDevice());
        CompletableFuture<Decision> future = new CompletableFuture<>();
        ScheduledFuture<?> timer = this.timer.schedule(
                () -> finish(request.id(), Decision.DENY, TIMEOUT), delayMillis, TimeUnit.MILLISECONDS);
        if (pending.putIfAbsent(request.id(), new Pending(prompt, future, timer)) != null) {
            timer.cancel(false);
            return CompletableFuture.failedFuture(new IllegalStateException("duplicate request id"));
        }
        Logger.tag("security").info("request {} from client {}: {} {} pad bytes for {}, asking the kiosk",
                request.id(), Redact.client(request.client()), request.operation(), request.padBytes(),
                Redact.contact(request.contact()));
        s.broadcast(prompt);
        return future;
    }

    @Override
    public void cancel(String requestId) {
        finish(requestId, Decision.DENY, "withdrawn");
    }

    /** Withdrawn with a reason the screen shows (the laptop went away: the prompt closes and says so). */
    @Override
    public void cancel(String requestId, String reason) {
        finish(requestId, Decision.DENY, Approver.LAPTOP_GONE.equals(reason) ? KioskMessage.ApprovalClosed.LAPTOP_GONE
                : "withdrawn");
    }

    /**
     * The person touched approve or deny on a kiosk; {@code onDevice}: approved, to be read on this
     * screen only (an open's "read here").
     */
    void decide(String requestId, boolean approve, boolean onDevice) {
        Decision d = !approve ? Decision.DENY : onDevice ? Decision.APPROVE_ON_DEVICE : Decision.APPROVE;
        if (!finish(requestId, d, approve ? "approved" : "denied")) {
            Logger.warn("decision for unknown or finished request {}", requestId);
        }
    }

    /** As {@link #decide(String, boolean, boolean)}, to be read wherever the request says. */
    void decide(String requestId, boolean approve) {
        decide(requestId, approve, false);
    }

    /** Sends the open prompts to a kiosk that just connected. */
    void replay(KioskSession session) {
        pending.values().forEach(p -> session.send(p.prompt()));
    }

    /** The last kiosk went away: nobody can answer what is pending. */
    void lastSessionClosed() {
        pending.keySet().forEach(id -> finish(id, Decision.DENY, DISCONNECTED));
    }

    int pendingCount() {
        return pending.size();
    }

    private boolean finish(String requestId, Decision decision, String reason) {
        Pending p = pending.remove(requestId);
        if (p == null) {
            return false;
        }
        p.timeout().cancel(false);
        Logger.tag("security").info("request {} for {}: {} ({})", requestId, Redact.contact(p.prompt().contact()),
                decision, reason);
        KioskServer s = server;
        if (s != null) {
            s.broadcast(new KioskMessage.ApprovalClosed(requestId, decision.approves(), reason));
        }
        if (TIMEOUT.equals(reason)) {
            // a denial by the Approver contract; the laptop is told "no one answered"
            p.future().completeExceptionally(new ApprovalTimeoutException("no answer on the kiosk in time"));
        } else if (DISCONNECTED.equals(reason)) {
            p.future().completeExceptionally(new ApproverUnavailableException("kiosk disconnected"));
        } else {
            p.future().complete(decision);
        }
        return true;
    }

    @Override
    public void close() {
        pending.keySet().forEach(id -> finish(id, Decision.DENY, "shutdown"));
        timer.shutdownNow();
    }
}
