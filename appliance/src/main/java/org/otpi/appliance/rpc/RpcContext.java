package org.otpi.appliance.rpc;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.ApprovalTimeoutException;
import org.otpi.appliance.approval.ApproverUnavailableException;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/** What every connection's handlers share: the device, approvals, clients and worker pools. */
final class RpcContext {
    final RpcConfig config;
    final DeviceService device;
    final Approver approver;
    final ClientRegistry clients;
    final PairingManager pairing;
    final ApprovalGate gate = new ApprovalGate();
    /** Blocking device calls (vault I/O, fsync) never run on an event loop. */
    final ExecutorService workers;
    /** One thread per streamed file operation, at most {@link #FILE_STREAMS} at a time. */
    final ExecutorService fileWorkers;
    final Semaphore fileSlots;
    final AtomicInteger connections = new AtomicInteger();
    /**
     * Whether the device has a screen (a kiosk is configured). Without one, messages from a
     * contact set to "read on the device" cannot be opened for anyone (no_screen).
     */
    volatile boolean screen;
    static final int FILE_STREAMS = 2;

    RpcContext(RpcConfig config, DeviceService device, Approver approver, ClientRegistry clients,
               PairingManager pairing, ExecutorService workers, ExecutorService fileWorkers) {
        this.config = config;
        this.device = device;
        this.approver = approver;
        this.clients = clients;
        this.pairing = pairing;
        this.workers = workers;
        this.fileWorkers = fileWorkers;
        this.fileSlots = new Semaphore(FILE_STREAMS);
    }

    /**
     * Asks the person. Completes with {@link ApprovalOutcome#APPROVED} only on an explicit APPROVE
     * before the approval timeout; a denial, the timeout ({@link ApprovalTimeoutException} from
     * the approver, or this method's own deadline) and "nobody to ask"
     * ({@link ApproverUnavailableException}, or any other approver failure) are told apart for the
     * laptop, and logged on the security tag.
     */
    CompletableFuture<ApprovalOutcome> ask(String client, String contact, ApprovalRequest.Operation op,
                                           long length, long padBytes, long remainingAfter) {
        return ask(UUID.randomUUID().toString(), client, null, contact, op, length, padBytes, remainingAfter,
                ApprovalRequest.Details.NONE);
    }

    /** As the full form below, under a fresh request id. */
    CompletableFuture<ApprovalOutcome> ask(String client, Channel channel, String contact, ApprovalRequest.Operation op,
                                           long length, long padBytes, long remainingAfter,
                                           ApprovalRequest.Details details) {
        return ask(UUID.randomUUID().toString(), client, channel, contact, op, length, padBytes, remainingAfter, details);
    }

    /**
     * As {@link #ask(String, String, ApprovalRequest.Operation, long, long, long)}, under a request
     * id the caller chose (to {@link Approver#settle} it later), with what the screen shows of the
     * content, and withdrawn from the screen at once if {@code channel} (the laptop's connection,
     * may be null) closes before anyone answered.
     */
    CompletableFuture<ApprovalOutcome> ask(String requestId, String client, Channel channel, String contact,
                                           ApprovalRequest.Operation op, long length, long padBytes,
                                           long remainingAfter, ApprovalRequest.Details details) {
        long timeoutMs = config.approvalTimeout().toMillis();
        ApprovalRequest request = new ApprovalRequest(requestId, client, contact, op,
                length, padBytes, Math.max(0, remainingAfter), Instant.now().plusMillis(timeoutMs), details);
        CompletableFuture<Decision> answer;
        try {
            answer = approver.request(request).copy();
        } catch (RuntimeException e) {
            Logger.tag("security").error(e, "approver failed for request {}", request.id());
            return CompletableFuture.completedFuture(ApprovalOutcome.NO_APPROVER);
        }
        if (channel != null) {
            // A laptop that goes away takes its question with it: the screen closes the prompt and
            // says so, instead of asking the person about something nobody waits for.
            ChannelFutureListener gone = f -> {
                if (!answer.isDone()) {
                    Logger.tag("security").info("approval {} for client {} withdrawn: the client disconnected",
                            request.id(), Redact.client(client));
                    approver.cancel(request.id(), Approver.LAPTOP_GONE);
                }
            };
            channel.closeFuture().addListener(gone);
            answer.whenComplete((d, t) -> channel.closeFuture().removeListener(gone));
        }
        CompletableFuture<Decision> timeout = new CompletableFuture<Decision>()
                .completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS);
        return answer.applyToEither(timeout, d -> d).handle((d, t) -> {
            String who = Redact.contact(contact);
            if (t != null) {
                Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                if (cause instanceof ApprovalTimeoutException) {
                    Logger.tag("security").warn("approval {} for client {} {} {}: no answer in time, denied",
                            request.id(), Redact.client(client), op, who);
                    return ApprovalOutcome.TIMED_OUT;
                }
                Logger.tag("security").warn("approval {} for client {} {} {}: nobody could be asked ({}), denied",
                        request.id(), Redact.client(client), op, who, cause.getClass().getSimpleName());
                return ApprovalOutcome.NO_APPROVER;
            }
            if (d == null) {
                approver.cancel(request.id());
                Logger.tag("security").warn("approval {} for client {} {} {} timed out: denied",
                        request.id(), Redact.client(client), op, Redact.contact(contact));
                return ApprovalOutcome.TIMED_OUT;
            }
            if (!d.approves() || (d == Decision.APPROVE_ON_DEVICE && op != ApprovalRequest.Operation.OPEN)) {
                Logger.tag("security").warn("approval {} for client {} {} {} ({} pad bytes) denied",
                        request.id(), Redact.client(client), op, who, padBytes);
                return ApprovalOutcome.DENIED;
            }
            Logger.tag("security").info("approval {} for client {} {} {} ({} pad bytes) approved{}",
                    request.id(), Redact.client(client), op, who, padBytes,
                    d == Decision.APPROVE_ON_DEVICE ? ", to be read on the device" : "");
            return d == Decision.APPROVE_ON_DEVICE ? ApprovalOutcome.APPROVED_ON_DEVICE : ApprovalOutcome.APPROVED;
        });
    }

    /** Pad left in one direction for a contact (for the approval screen); 0 if unknown. */
    long remaining(String contact, boolean send) throws DeviceException {
        ContactView c = contact(contact);
        return send ? c.sendRemaining() : c.receiveRemaining();
    }

    /** The contact as the vault knows it (the screen shows this, not the laptop's words). */
    ContactView contact(String contact) throws DeviceException {
        for (ContactView c : device.contacts()) {
            if (c.name().equals(contact)) {
                return c;
            }
        }
        throw new DeviceException(DeviceException.Kind.UNKNOWN_CONTACT, "unknown contact");
    }
}
