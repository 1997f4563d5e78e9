package org.otpi.appliance.kiosk;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.*;
import org.tinylog.Logger;

/**
 * Turns kiosk requests into {@link KioskBackend} calls and replies. Decisions are handled at once
 * on the reader thread; everything else runs on the worker pool so a slow unlock never delays an
 * approval.
 */
final class KioskHandler {
    private static final int MAX_LOG_PAGE = 500;

    private final KioskBackend backend;
    private final KioskApprover approver;
    private final Executor workers;
    private final Map<Long, KioskBackend.PadGeneration> generations = new ConcurrentHashMap<>();

    KioskHandler(KioskBackend backend, KioskApprover approver, Executor workers) {
        this.backend = backend;
        this.approver = approver;
        this.workers = workers;
    }

    void handle(Request request, Consumer<KioskMessage> reply) {
        if (request instanceof Decide d) {
            approver.decide(d.requestId(), d.approve(), d.onDevice());
            reply.accept(Done.ok(d.id()));
            return;
        }
        try {
            workers.execute(() -> {
                KioskMessage answer = answer(request, reply);
                if (answer != null) { // null: the request answers later (generation)
                    reply.accept(answer);
                }
            });
        } catch (RejectedExecutionException e) {
            reply.accept(Done.failed(request.id(), "shutting down"));
        }
    }

    private KioskMessage answer(Request request, Consumer<KioskMessage> reply) {
        long id = request.id();
        try {
            if (request instanceof Unlock u) {
                try {
                    return new UnlockReply(id, backend.unlock(u.pin()));
                } finally {
                    Arrays.fill(u.pin(), '\0');
                }
            } else if (request instanceof CreateVault c) {
                try {
                    backend.createVault(c.deviceId(), c.pin());
                } finally {
                    Arrays.fill(c.pin(), '\0');
                }
            } else if (request instanceof Lock) {
                backend.lock();
                Logger.tag("security").info("vault locked from the kiosk");
            } else if (request instanceof GetStatus) {
                return new StatusReply(id, backend.status());
            } else if (request instanceof GetContacts) {
                return new ContactsReply(id, backend.contacts());
            } else if (request instanceof GeneratePad g) {
                KioskBackend.PadGeneration gen = backend.generatePad(g.contact(), g.sizeBytes(),
                        (done, total) -> reply.accept(new Progress(id, done, total)));
                generations.put(id, gen);
                gen.done().whenComplete((ok, error) -> {
                    generations.remove(id);
                    reply.accept(error == null ? Done.ok(id) : Done.failed(id, safeText(error)));
                });
                return null;
            } else if (request instanceof CancelGenerate c) {
                KioskBackend.PadGeneration gen = generations.get(c.generateId());
                if (gen == null) {
                    return Done.failed(id, "nothing to cancel");
                }
                gen.cancel();
            } else if (request instanceof ImportPad i) {
                backend.importPad(i.source());
            } else if (request instanceof ExportBackup e) {
                try {
                    backend.exportBackup(e.target(), e.passphrase());
                } finally {
                    Arrays.fill(e.passphrase(), '\0');
                }
            } else if (request instanceof ExchangeSend x) {
                KioskBackend.HandedOver h = backend.exchangeSend(x.contact(), x.target());
                try {
                    return new ExchangeSent(id, h.contact(), h.receiverId(), h.padBytes(), new String(h.code()),
                            h.fingerprint());
                } finally {
                    h.wipe(); // the String in the reply cannot be wiped (docs/kiosk.md, limits)
                }
            } else if (request instanceof ExchangeReceive x) {
                try {
                    KioskBackend.Received r = backend.exchangeReceive(x.source(), x.code());
                    return new ExchangeReceived(id, r.contact(), r.padBytes(), r.fingerprint());
                } finally {
                    Arrays.fill(x.code(), '\0');
                }
            } else if (request instanceof GetInbox) {
                return new InboxReply(id, backend.inbox(), backend.outgoingCount(), backend.keepOnDevice().toMinutes());
            } else if (request instanceof ReadMessage r) {
                KioskBackend.DeviceText t = backend.readMessage(r.messageId());
                try {
                    return new MessageText(id, r.messageId(), t.contact(), java.util.Base64.getEncoder().encodeToString(t.text()));
                } finally {
                    Arrays.fill(t.text(), (byte) 0); // the reply's String cannot be wiped (docs/kiosk.md, limits)
                }
            } else if (request instanceof DestroyMessage m) {
                backend.destroyMessage(m.messageId());
            } else if (request instanceof SetKeep k) {
                if (k.minutes() < 0 || k.minutes() > SetKeep.MAX_MINUTES) {
                    return Done.failed(id, "keep between 0 (until destroyed) and a year");
                }
                backend.keepOnDevice(Duration.ofMinutes(k.minutes()));
            } else if (request instanceof Compose c) {
                byte[] text = c.text() == null ? new byte[0] : c.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                try {
                    if (text.length == 0) {
                        return Done.failed(id, "nothing written");
                    }
                    if (text.length > Compose.MAX_TEXT) {
                        return Done.failed(id, "too long: at most " + Compose.MAX_TEXT + " bytes");
                    }
                    KioskBackend.Composed done = backend.compose(c.contact(), text);
                    return new Composed(id, done.contact(), done.padUsed(), done.index(), done.sendRemaining());
                } finally {
                    Arrays.fill(text, (byte) 0);
                }
            } else if (request instanceof SetReadOnDevice r) {
                backend.setReadOnDevice(r.contact(), r.on());
            } else if (request instanceof SkipAhead k) {
                if (k.bytes() <= 0) {
                    return Done.failed(id, "choose how far to skip");
                }
                backend.skipAhead(k.contact(), k.bytes());
            } else if (request instanceof DeletePad d) {
                backend.deletePad(d.contact());
            } else if (request instanceof ExpirePad e) {
                backend.expirePad(e.contact());
            } else if (request instanceof GetLog l) {
                return new LogReply(id, backend.securityLog(l.afterSeq(), Math.max(0, Math.min(l.limit(), MAX_LOG_PAGE))));
            } else if (request instanceof GetGrants) {
                return new GrantsReply(id, backend.standingApprovals());
            } else if (request instanceof KioskMessage.Grant g) {
                if (g.minutes() <= 0) {
                    return Done.failed(id, "duration must be positive");
                }
                backend.grantStanding(g.contact(), g.budgetBytes(), Duration.ofMinutes(g.minutes()));
            } else if (request instanceof Revoke r) {
                if (!backend.revokeStanding(r.grantId())) {
                    return Done.failed(id, "already ended");
                }
            } else if (request instanceof RevokeClient r) {
                if (!backend.revokeClient(r.client())) {
                    return Done.failed(id, "no such laptop");
                }
            } else {
                return Done.failed(id, "unsupported");
            }
            return Done.ok(id);
        } catch (KioskBackend.Failure f) {
            return Done.failed(id, f.getMessage());
        } catch (RuntimeException e) {
            Logger.error(e, "kiosk request {} failed", request.getClass().getSimpleName());
            return Done.failed(id, "failed");
        }
    }

    private static String safeText(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        return cause instanceof KioskBackend.Failure ? cause.getMessage() : "failed";
    }
}
