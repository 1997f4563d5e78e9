package org.otpi.appliance.rpc;

import io.netty.buffer.ByteBufInputStream;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.ContactsResponse;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.HealthResponse;
import org.otpi.protocol.rpc.OpenConfirmRequest;
import org.otpi.protocol.rpc.OpenConfirmResponse;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.OpenResponse;
import org.otpi.protocol.rpc.OutboxAckRequest;
import org.otpi.protocol.rpc.OutboxAckResponse;
import org.otpi.protocol.rpc.OutboxEntry;
import org.otpi.protocol.rpc.OutboxResponse;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;
import org.otpi.protocol.rpc.SealResponse;
import org.otpi.protocol.rpc.WhoamiResponse;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * The JSON operations. One request at a time per connection: reading pauses while a request is
 * processed (a pending approval can take a minute), and a pipelined second request closes the
 * connection. Pad is touched only after {@link RpcContext#ask} completed with an approval, and
 * only if the client is still connected.
 *
 * <p>Not sharable: one per connection.
 */
final class RpcHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String VERSION = "1";

    private final RpcContext rpc;
    private boolean inFlight;

    RpcHandler(RpcContext rpc) {
        this.rpc = rpc;
    }

    /** A request the client got wrong; answered 400 without detail. */
    static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;

        BadRequest(String detail) {
            super(detail);
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (inFlight) {
            Logger.tag("security").info("pipelined request from {} while one is in flight: closing", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!req.decoderResult().isSuccess()) {
            Logger.tag("security").info("malformed HTTP from {}: {}", ctx.channel().remoteAddress(), req.decoderResult().cause());
            HttpReplies.failure(ctx, RpcErrors.of(HttpResponseStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST), false);
            return;
        }
        inFlight = true;
        ctx.channel().config().setAutoRead(false);
        // One read stays requested while the request is processed: the client's end of stream
        // (it went away while the person decides) closes the channel, which withdraws its
        // approval from the screen (RpcContext.ask); a pipelined request closes it as before.
        ctx.read();
        CompletableFuture<FullHttpResponse> reply;
        try {
            reply = route(ctx, req);
        } catch (BadRequest e) {
            Logger.tag("security").info("bad request from {} to {}: {}", ctx.channel().remoteAddress(), pathOf(req), e.getMessage());
            reply = done(RpcErrors.of(HttpResponseStatus.BAD_REQUEST, ErrorCodes.BAD_REQUEST));
        } catch (RuntimeException e) {
            reply = done(RpcErrors.map(e, "?", pathOf(req), "-"));
        }
        reply.whenComplete((response, t) -> {
            FullHttpResponse r = t == null ? response : HttpReplies.json(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                    RpcErrors.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCodes.FAILED).body());
            ctx.executor().execute(() -> {
                HttpReplies.send(ctx, r, keepAlive).addListener((ChannelFutureListener) f -> {
                    inFlight = false;
                    f.channel().config().setAutoRead(true);
                });
            });
        });
    }

    private CompletableFuture<FullHttpResponse> route(ChannelHandlerContext ctx, FullHttpRequest req) throws BadRequest {
        String path = pathOf(req);
        HttpMethod method = req.method();
        switch (path) {
            case RpcPaths.HEALTH:
                requireMethod(method, HttpMethod.GET);
                return done(HttpResponseStatus.OK, new HealthResponse("ok", VERSION, rpc.device.unlocked(),
                        org.otpi.appliance.crypto.ChaChaEngines.best().name()));
            case RpcPaths.PAIR_START:
                requireMethod(method, HttpMethod.POST);
                return pairStart(parse(req, PairStartRequest.class));
            case RpcPaths.PAIR_FINISH:
                requireMethod(method, HttpMethod.POST);
                return pairFinish(parse(req, PairFinishRequest.class));
            case RpcPaths.PAIR_CANCEL:
                requireMethod(method, HttpMethod.POST);
                return pairCancel(parse(req, org.otpi.protocol.rpc.PairCancelRequest.class));
            case RpcPaths.WHOAMI:
            case RpcPaths.CONTACTS:
            case RpcPaths.SEAL:
            case RpcPaths.OPEN:
            case RpcPaths.OPEN_CONFIRM:
            case RpcPaths.OUTBOX:
            case RpcPaths.OUTBOX_ACK:
                break;
            default:
                return done(RpcErrors.of(HttpResponseStatus.NOT_FOUND, ErrorCodes.NOT_FOUND));
        }
        Optional<String> client = HttpReplies.bearer(req).flatMap(rpc.clients::authenticate);
        if (client.isEmpty()) {
            Logger.tag("security").warn("unauthenticated {} {} from {}", method, path, ctx.channel().remoteAddress());
            return done(RpcErrors.of(HttpResponseStatus.UNAUTHORIZED, ErrorCodes.UNAUTHORIZED));
        }
        String who = client.get();
        switch (path) {
            case RpcPaths.WHOAMI:
                requireMethod(method, HttpMethod.GET);
                return done(HttpResponseStatus.OK, new WhoamiResponse(rpc.device.deviceId(), who));
            case RpcPaths.CONTACTS:
                requireMethod(method, HttpMethod.GET);
                return contacts(who);
            case RpcPaths.SEAL:
                requireMethod(method, HttpMethod.POST);
                return seal(ctx, who, parse(req, SealRequest.class));
            case RpcPaths.OPEN_CONFIRM:
                requireMethod(method, HttpMethod.POST);
                return confirm(who, parse(req, OpenConfirmRequest.class));
            case RpcPaths.OUTBOX:
                requireMethod(method, HttpMethod.GET);
                return outbox(who);
            case RpcPaths.OUTBOX_ACK:
                requireMethod(method, HttpMethod.POST);
                return outboxAck(who, parse(req, OutboxAckRequest.class));
            default:
                requireMethod(method, HttpMethod.POST);
                return open(ctx, who, parse(req, OpenRequest.class));
        }
    }

    private CompletableFuture<FullHttpResponse> pairStart(PairStartRequest r) throws BadRequest {
        String name = requireName(r.clientName());
        return CompletableFuture.supplyAsync(() -> rpc.pairing.start(name)
                .map(s -> HttpReplies.json(HttpResponseStatus.OK,
                        new PairStartResponse(s.pairingId(), s.codeDigits(), s.validFor().toSeconds())))
                .orElseGet(() -> error(RpcErrors.of(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCodes.BUSY))), rpc.workers);
    }

    private CompletableFuture<FullHttpResponse> pairCancel(org.otpi.protocol.rpc.PairCancelRequest r) throws BadRequest {
        if (r.pairingId() == null || r.pairingId().length() > 64) {
            throw new BadRequest("pairing fields");
        }
        return CompletableFuture.supplyAsync(() -> rpc.pairing.cancel(r.pairingId())
                ? HttpReplies.json(HttpResponseStatus.OK, java.util.Map.of("cancelled", true))
                : error(RpcErrors.of(HttpResponseStatus.NOT_FOUND, ErrorCodes.NOT_FOUND)), rpc.workers);
    }

    private CompletableFuture<FullHttpResponse> pairFinish(PairFinishRequest r) throws BadRequest {
        if (r.pairingId() == null || r.code() == null || r.pairingId().length() > 64 || r.code().length() > 16) {
            throw new BadRequest("pairing fields");
        }
        // The code as the device shows it ("7638 2081") or as typed with a dash: same code.
        String code = r.code().replaceAll("[ -]", "");
        return CompletableFuture.supplyAsync(() -> {
            try {
                return rpc.pairing.finish(r.pairingId(), code)
                        .map(p -> HttpReplies.json(HttpResponseStatus.OK, new PairFinishResponse(p.token(), p.clientName())))
                        // Wrong code: say whether this pairing takes another try, nothing more.
                        .orElseGet(() -> error(RpcErrors.of(HttpResponseStatus.FORBIDDEN,
                                rpc.pairing.pending(r.pairingId()) ? ErrorCodes.WRONG_CODE : ErrorCodes.FAILED)));
            } catch (IOException e) {
                return error(RpcErrors.map(e, "?", "pair", "-"));
            }
        }, rpc.workers);
    }

    private CompletableFuture<FullHttpResponse> contacts(String client) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<ContactEntry> out = new ArrayList<>();
                for (ContactView c : rpc.device.contacts()) {
                    out.add(new ContactEntry(c.name(), c.remoteId(), c.sendRemaining(), c.receiveRemaining(),
                            c.lowPad(), c.expired()));
                }
                return HttpReplies.json(HttpResponseStatus.OK, new ContactsResponse(out));
            } catch (DeviceException e) {
                return error(RpcErrors.map(e, client, "contacts", "-"));
            }
        }, rpc.workers);
    }

    /** What the approval of a seal needs from the vault: the cost and the contact as the vault knows it. */
    private record SealPlan(long cost, ContactView contact) {
    }

    private CompletableFuture<FullHttpResponse> seal(ChannelHandlerContext ctx, String client, SealRequest r) throws BadRequest {
        String contact = requireContact(r.contact());
        byte[] message = decode(r.message(), RpcPaths.MAX_MESSAGE);
        Format format = format(r.format());
        return withSlot(client, () -> CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return new SealPlan(rpc.device.sealCost(contact, message.length, format), rpc.contact(contact));
                    } catch (DeviceException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, rpc.workers)
                // The screen shows exactly these bytes and the vault's contact: what the person
                // approves is what is sealed, whatever the laptop showed its user (DESIGN section 8).
                .thenCompose(p -> rpc.ask(client, ctx.channel(), contact, ApprovalRequest.Operation.SEAL, message.length,
                        p.cost(), p.contact().sendRemaining() - p.cost(),
                        new ApprovalRequest.Details(p.contact().remoteId(), message, "", "", false, false)))
                .thenApplyAsync(outcome -> {
                    if (!outcome.approved()) {
                        return error(outcome.failure());
                    }
                    if (!ctx.channel().isActive()) {
                        Logger.tag("security").info("client {} left before its approved seal: no pad used", Redact.client(client));
                        return error(RpcErrors.of(HttpResponseStatus.INTERNAL_SERVER_ERROR, ErrorCodes.FAILED));
                    }
                    try {
                        SealResult s = rpc.device.seal(contact, message, format);
                        return HttpReplies.json(HttpResponseStatus.OK, new SealResponse(
                                Base64.getEncoder().encodeToString(s.packageBytes()), s.padUsed(), s.sendRemaining(), s.lowPad(),
                                s.index()));
                    } catch (DeviceException e) {
                        return error(RpcErrors.map(e, client, "seal", contact));
                    }
                }, rpc.workers)
                .exceptionally(t -> error(RpcErrors.map(t, client, "seal", contact))));
    }

    /** What an open asks about: the contact as the vault knows it and the pad the open costs. */
    private record OpenAsk(ContactView contact, long cost) {
    }

    /** An approved open and whether its message stays on the device's screen. */
    private record OpenPlan(ApprovalOutcome outcome, boolean onDevice) {
    }

    private CompletableFuture<FullHttpResponse> open(ChannelHandlerContext ctx, String client, OpenRequest r) throws BadRequest {
        String contact = requireContact(r.contact());
        byte[] pkg = decode(r.packageData(), RpcPaths.MAX_MESSAGE + 1024);
        PackageLength length = PackageLength.of(pkg);
        return withSlot(client, () -> CompletableFuture
                .supplyAsync(() -> {
                    try {
                        ContactView c = rpc.contact(contact);
                        if (c.readOnDevice() && !rpc.screen) {
                            throw new DeviceException(DeviceException.Kind.NO_SCREEN,
                                    "messages from this contact are read on the screen, and there is none");
                        }
                        // an open is approved (and charged to a standing approval) by its pad cost
                        return new OpenAsk(c, rpc.device.openCost(pkg));
                    } catch (DeviceException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, rpc.workers)
                .thenCompose(a -> rpc.ask(client, ctx.channel(), contact, ApprovalRequest.Operation.OPEN, length.length(), a.cost(),
                                Math.max(0, a.contact().receiveRemaining() - a.cost()),
                                new ApprovalRequest.Details(a.contact().remoteId(), null, "", "", length.upTo(),
                                        a.contact().readOnDevice()))
                        .thenApply(outcome -> new OpenPlan(outcome, a.contact().readOnDevice()
                                || outcome == ApprovalOutcome.APPROVED_ON_DEVICE)))
                .thenApplyAsync(plan -> {
                    if (!plan.outcome().approved()) {
                        return error(plan.outcome().failure());
                    }
                    try {
                        OpenResult o = plan.onDevice() ? rpc.device.openOnDevice(contact, pkg) : rpc.device.open(contact, pkg);
                        List<String> warnings = o.warnings().stream().map(Enum::name).sorted().toList();
                        if (!warnings.isEmpty() && !o.repeat()) {
                            Logger.tag("security").warn("client {} opened a package from {} with warnings {}", Redact.client(client),
                                    Redact.contact(contact), warnings);
                        }
                        if (o.repeat()) {
                            Logger.tag("security").info("client {} opened a package from {} again before confirming it: kept"
                                    + " pad used again (a repeat, not a replay)", Redact.client(client), Redact.contact(contact));
                        }
                        // Read on the device: the answer carries no text at all, only that it is there.
                        return HttpReplies.json(HttpResponseStatus.OK, new OpenResponse(
                                o.shownOnDevice() ? "" : Base64.getEncoder().encodeToString(o.plaintext()), warnings,
                                o.receiveRemaining(), o.index(), o.repeat(), o.shownOnDevice()));
                    } catch (DeviceException e) {
                        return error(RpcErrors.map(e, client, "open", contact));
                    }
                }, rpc.workers)
                .exceptionally(t -> error(RpcErrors.map(t, client, "open", contact))));
    }

    /**
     * The packages written on the device's screen, for the laptop to carry (ciphertext only). No
     * approval: the person sealed them on the device; carrying them uses no pad.
     */
    private CompletableFuture<FullHttpResponse> outbox(String client) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                List<OutboxEntry> out = new ArrayList<>();
                for (OutgoingView o : rpc.device.outgoing()) {
                    out.add(new OutboxEntry(o.id(), o.contact(), o.remoteId(),
                            Base64.getEncoder().encodeToString(o.packageBytes()), o.index(), o.createdAt()));
                }
                if (!out.isEmpty()) {
                    Logger.tag("security").info("client {} fetched {} package(s) written on the device", Redact.client(client), out.size());
                }
                return HttpReplies.json(HttpResponseStatus.OK, new OutboxResponse(out));
            } catch (DeviceException e) {
                return error(RpcErrors.map(e, client, "outbox", "-"));
            }
        }, rpc.workers);
    }

    /** The relay stored a package written on the device: the device forgets it. */
    private CompletableFuture<FullHttpResponse> outboxAck(String client, OutboxAckRequest r) throws BadRequest {
        if (r.id() == null || !OUTBOX_ID.matcher(r.id()).matches()) {
            throw new BadRequest("outbox id");
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                boolean forgotten = rpc.device.outgoingSent(r.id());
                if (forgotten) {
                    Logger.tag("security").info("client {} carried package {} written on the device to the relay", Redact.client(client),
                            r.id());
                }
                return HttpReplies.json(HttpResponseStatus.OK, new OutboxAckResponse(r.id(), forgotten));
            } catch (DeviceException e) {
                return error(RpcErrors.map(e, client, "outbox-ack", "-"));
            }
        }, rpc.workers);
    }

    /** Ids of packages written on the device, as the vault makes them (hex) or a test's. */
    static final java.util.regex.Pattern OUTBOX_ID = java.util.regex.Pattern.compile("[0-9A-Za-z_-]{1,64}");

    /**
     * The client stored an opened message: the device may destroy its kept copy. No approval: it
     * uses no pad and reveals nothing; a client that confirms too early only loses its own copy.
     */
    private CompletableFuture<FullHttpResponse> confirm(String client, OpenConfirmRequest r) throws BadRequest {
        String contact = requireContact(r.contact());
        if (r.index() < 0) {
            throw new BadRequest("index");
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                rpc.device.confirmOpened(contact, r.index());
                return HttpReplies.json(HttpResponseStatus.OK, new OpenConfirmResponse(r.index()));
            } catch (DeviceException e) {
                return error(RpcErrors.map(e, client, "confirm", contact));
            }
        }, rpc.workers);
    }

    /** Runs {@code op} holding the client's single approval slot; busy if it is taken. */
    private CompletableFuture<FullHttpResponse> withSlot(String client,
                                                         java.util.function.Supplier<CompletableFuture<FullHttpResponse>> op) {
        if (!rpc.gate.tryAcquire(client)) {
            Logger.tag("security").warn("client {} asked for a second approval while one is pending: refused",
                    Redact.client(client));
            return done(RpcErrors.of(HttpResponseStatus.TOO_MANY_REQUESTS, ErrorCodes.BUSY));
        }
        CompletableFuture<FullHttpResponse> f;
        try {
            f = op.get();
        } catch (RuntimeException e) {
            rpc.gate.release(client);
            throw e;
        }
        return f.whenComplete((r, t) -> rpc.gate.release(client));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Logger.debug(cause, "RPC connection {} failed", ctx.channel().remoteAddress());
        ctx.close();
    }

    // --- parsing, strictly -------------------------------------------------------------------

    static <T> T parse(FullHttpRequest req, Class<T> type) throws BadRequest {
        String ct = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        if (ct == null || !ct.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            throw new BadRequest("content type");
        }
        return parseJson(new ByteBufInputStream(req.content().duplicate()), type);
    }

    /** The strict JSON step alone (also the fuzz target). */
    static <T> T parseJson(java.io.InputStream body, Class<T> type) throws BadRequest {
        try {
            T value = RpcJson.mapper().readValue(body, type);
            if (value == null) {
                throw new BadRequest("null body");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new BadRequest("json: " + e.getClass().getSimpleName());
        }
    }

    /** Contact names: letters, digits, space and {@code ._@-}, at most 64 characters. */
    static final java.util.regex.Pattern CONTACT = java.util.regex.Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ._@-]{0,63}");

    static String requireContact(String name) throws BadRequest {
        if (name == null || !CONTACT.matcher(name).matches()) {
            throw new BadRequest("contact");
        }
        return name;
    }

    static String requireName(String name) throws BadRequest {
        if (name == null || !ClientRegistry.NAME.matcher(name).matches()) {
            throw new BadRequest("name");
        }
        return name;
    }

    static byte[] decode(String base64, int maxBytes) throws BadRequest {
        if (base64 == null || base64.length() > (maxBytes + 2) / 3 * 4) {
            throw new BadRequest("base64 length");
        }
        byte[] decoded;
        try {
            decoded = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("base64");
        }
        if (decoded.length > maxBytes) {
            throw new BadRequest("too long");
        }
        return decoded;
    }

    static Format format(String name) throws BadRequest {
        if (name == null) {
            return Format.V2;
        }
        try {
            return Format.valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("format");
        }
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected) throws BadRequest {
        if (!actual.equals(expected)) {
            throw new BadRequest("method");
        }
    }

    private static String pathOf(FullHttpRequest req) {
        return new QueryStringDecoder(req.uri()).path();
    }

    private static FullHttpResponse error(RpcErrors.Failure f) {
        return HttpReplies.json(f.status(), f.body());
    }

    private static CompletableFuture<FullHttpResponse> done(RpcErrors.Failure f) {
        return CompletableFuture.completedFuture(error(f));
    }

    private static CompletableFuture<FullHttpResponse> done(HttpResponseStatus status, Object body) {
        return CompletableFuture.completedFuture(HttpReplies.json(status, body));
    }
}
