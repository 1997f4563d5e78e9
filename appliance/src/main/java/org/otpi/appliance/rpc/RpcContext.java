package org.otpi.appliance.rpc;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.otpi.appliance.approval.ApprovalRequest;
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
     * Asks the person. Completes with true only on an explicit APPROVE before the approval
     * timeout; exceptions, timeouts and denials are false (and logged on the security tag).
     */
    CompletableFuture<Boolean> ask(String client, String contact, ApprovalRequest.Operation op,
                                   long length, long padBytes, long remainingAfter) {
        return ask(UUID.randomUUID().toString(), client, contact, op, length, padBytes, remainingAfter);
    }

    /** {@link #ask} under a request id the caller chose (to {@link Approver#settle} it later). */
    CompletableFuture<Boolean> ask(String requestId, String client, String contact, ApprovalRequest.Operation op,
                                   long length, long padBytes, long remainingAfter) {
        long timeoutMs = config.approvalTimeout().toMillis();
        ApprovalRequest request = new ApprovalRequest(requestId, client, contact, op,
                length, padBytes, Math.max(0, remainingAfter), Instant.now().plusMillis(timeoutMs));
        CompletableFuture<Decision> answer;
        try {
            answer = approver.request(request).copy();
        } catch (RuntimeException e) {
            Logger.tag("security").error(e, "approver failed for request {}", request.id());
            return CompletableFuture.completedFuture(false);
        }
        CompletableFuture<Decision> timeout = new CompletableFuture<Decision>()
                .completeOnTimeout(null, timeoutMs, TimeUnit.MILLISECONDS);
        return answer.applyToEither(timeout, d -> d).exceptionally(t -> Decision.DENY).thenApply(d -> {
            if (d == null) {
                approver.cancel(request.id());
                Logger.tag("security").warn("approval {} for client {} {} {} timed out: denied",
                        request.id(), Redact.client(client), op, Redact.contact(contact));
                return false;
            }
            if (d != Decision.APPROVE) {
                Logger.tag("security").warn("approval {} for client {} {} {} ({} pad bytes) denied",
                        request.id(), Redact.client(client), op, Redact.contact(contact), padBytes);
                return false;
            }
            Logger.tag("security").info("approval {} for client {} {} {} ({} pad bytes) approved",
                    request.id(), Redact.client(client), op, Redact.contact(contact), padBytes);
            return true;
        });
    }

    /** Pad left in one direction for a contact (for the approval screen); 0 if unknown. */
    long remaining(String contact, boolean send) throws DeviceException {
        List<ContactView> all = device.contacts();
        for (ContactView c : all) {
            if (c.name().equals(contact)) {
                return send ? c.sendRemaining() : c.receiveRemaining();
            }
        }
        throw new DeviceException(DeviceException.Kind.UNKNOWN_CONTACT, "unknown contact");
    }
}
