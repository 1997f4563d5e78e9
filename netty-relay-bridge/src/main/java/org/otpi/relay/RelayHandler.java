package org.otpi.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.otpi.relay.RelayFailure.Kind;
import org.otpi.relay.store.RelayStoreException;
import org.otpi.relay.store.StoredMessage;
import org.tinylog.Logger;

/**
 * Routes one connection's requests. Not sharable: it keeps the connection's queue of pipelined
 * requests, which are answered strictly in order, one at a time (reads pause while one is being
 * served, so a client cannot pile work up on the relay).
 *
 * <p>API ({@code Authorization: Bearer TOKEN} where marked *):
 * <pre>
 * GET  /api/v1/health/live                         {"status":"ok"} while the process serves
 * GET  /api/v1/health/ready  (and /api/v1/health)  {"status":"ok"}, or 503 {"status":"unavailable"} when the store is down
 * POST /api/v1/register  {"uid":"alice"[,"invite":"inv-..."]}   201 {"uid":"alice","token":"alice.XXXX"}
 * POST /api/v1/send *    {"to":["bob"],"contents":"BASE64"}  [Idempotency-Key: K]   {"refs":[17]}
 * GET  /api/v1/messages?from=REF&amp;limit=N *         {"messages":[{"ref","from","to","contents","sentAt"}],"nextRef":18}
 * POST /api/v1/ack *     {"refs":[17]}              {"acked":1}
 * GET  /api/v1/users *                             {"users":[{"uid":"bob","online":true}]}
 * GET  /api/v1/users/UID *                         {"uid":"bob","online":false}, or 404
 * GET  /api/v1/nextref *                           {"nextRef":18}
 * GET  /api/v1/ws?from=REF *                       WebSocket (see RelayWebSocketHandler)
 * /check /send /getmessages /getnextref           the paper's plain endpoints, when enabled
 * </pre>
 * Errors: the HTTP status and {@code {"error":"<generic word>"}}; details only in the log.
 *
 * <p>Memory: the request body was reserved by {@link RequestGate}; a fetch answer is reserved
 * here before the store is asked (503 when the budget or the account's share is spent). Both are
 * given back when the response has been written.
 */
final class RelayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String WS_PATH = "/api/v1/ws";
    private static final String USERS_PREFIX = "/api/v1/users/";
    private static final int MAX_PIPELINED = 16;
    private static final ObjectMapper WRITER = new ObjectMapper();

    private final RelayService service;
    private final Executor blocking;
    private final boolean legacy;
    private final boolean tls;
    private final ObjectMapper reader;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private boolean busy;

    /** A request waiting its turn, with who sent it and the memory held for it. */
    private record Pending(FullHttpRequest req, RequestGate.Ticket ticket) {
    }

    /** What one request holds until its response is written. */
    private static final class Exchange {
        final String client;
        final List<MemoryBudget.Lease> leases = new CopyOnWriteArrayList<>();

        Exchange(RequestGate.Ticket t) {
            this.client = t.client();
            if (t.lease() != null) {
                leases.add(t.lease());
            }
        }

        void release() {
            leases.forEach(MemoryBudget.Lease::release);
            leases.clear();
        }
    }

    RelayHandler(RelayService service, Executor blocking, boolean legacy, boolean tls) {
        super(false);
        this.service = service;
        this.blocking = blocking;
        this.legacy = legacy;
        this.tls = tls;
        this.reader = Json.strictMapper(service.limits().maxBodyBytes());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        RequestDeadline deadline = ctx.pipeline().get(RequestDeadline.class);
        if (deadline != null) {
            deadline.complete();
        }
        RequestGate.Ticket ticket = RequestGate.take(ctx.channel());
        if (ticket == null) { // no gate in this pipeline (tests with an embedded channel)
            InetAddress peer = ProxyProtocolHandler.peer(ctx.channel());
            ticket = new RequestGate.Ticket(peer == null ? "unknown" : peer.getHostAddress(), null);
        }
        if (!req.decoderResult().isSuccess()) {
            req.release();
            ticket.release();
            Logger.debug("relay: undecodable request from {}", ticket.client());
            sendAndClose(ctx, error(Kind.BAD_REQUEST));
            return;
        }
        if (pending.size() >= MAX_PIPELINED) {
            req.release();
            ticket.release();
            sendAndClose(ctx, error(Kind.BUSY));
            return;
        }
        pending.add(new Pending(req, ticket));
        next(ctx);
    }

    private void next(ChannelHandlerContext ctx) {
        if (busy || pending.isEmpty() || !ctx.channel().isActive()) {
            return;
        }
        Pending p = pending.poll();
        busy = true;
        ctx.channel().config().setAutoRead(false);
        boolean upgrade;
        try {
            upgrade = WS_PATH.equals(new QueryStringDecoder(p.req.uri()).path());
        } catch (IllegalArgumentException e) {
            upgrade = false; // route() answers 400
        }
        boolean ws = upgrade;
        try {
            blocking.execute(() -> serve(ctx, p, ws));
        } catch (RejectedExecutionException e) {
            p.req.release();
            p.ticket.release();
            sendAndClose(ctx, error(Kind.BUSY));
        }
    }

    /** Runs on a worker thread. */
    private void serve(ChannelHandlerContext ctx, Pending p, boolean upgrade) {
        FullHttpRequest req = p.req;
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        Exchange ex = new Exchange(p.ticket);
        if (upgrade) {
            String uid;
            long from;
            try {
                if (!HttpMethod.GET.equals(req.method())) {
                    throw new RelayFailure(Kind.METHOD, "ws method");
                }
                uid = service.authenticate(req.headers().get(HttpHeaderNames.AUTHORIZATION), ex.client);
                from = longParam(query(req.uri()), "from", 0);
            } catch (RuntimeException e) {
                FullHttpResponse resp = failure(e, req);
                req.release();
                ex.release();
                ctx.executor().execute(() -> sendAndClose(ctx, resp));
                return;
            }
            ex.release(); // the session reserves for each push itself
            ctx.executor().execute(() -> upgrade(ctx, req, uid, from));
            return;
        }
        CompletableFuture<FullHttpResponse> resp;
        try {
            // Sends do not hold this worker while the store commits: the response is written
            // from the commit's completion.
            resp = routeAsync(req, ex);
        } catch (RuntimeException e) {
            resp = CompletableFuture.completedFuture(failure(e, req));
        } finally {
            req.release(); // the body has been parsed; method and URI stay readable for logging
        }
        resp.whenComplete((r, err) -> {
            FullHttpResponse out = err == null ? r : failure(unwrap(err), req);
            ctx.executor().execute(() -> respond(ctx, out, keepAlive, ex));
        });
    }

    private static RuntimeException unwrap(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof RuntimeException re ? re : new IllegalStateException(c);
    }

    private CompletableFuture<FullHttpResponse> routeAsync(FullHttpRequest req, Exchange ex) {
        if (HttpMethod.POST.equals(req.method()) && "/api/v1/send".equals(query(req.uri()).path())) {
            String uid = auth(req, ex);
            List<String> keys = req.headers().getAll("Idempotency-Key");
            if (keys.size() > 1 || (keys.size() == 1 && !RelayService.isIdempotencyKey(keys.get(0)))) {
                throw new RelayFailure(Kind.BAD_REQUEST, "idempotency key");
            }
            Json.SendRequest r = body(req, Json.SendRequest.class);
            return service.sendAsync(uid, r.to(), r.contents(), keys.isEmpty() ? null : keys.get(0))
                    .thenApply(refs -> json(HttpResponseStatus.OK, Map.of("refs", refs)));
        }
        return CompletableFuture.completedFuture(route(req, ex));
    }

    private FullHttpResponse failure(RuntimeException e, FullHttpRequest req) {
        if (e instanceof RelayFailure rf) {
            Logger.debug("relay: {} {} refused: {}", req.method(), pathForLog(req), rf.getMessage());
            return error(rf.kind);
        }
        if (e instanceof RelayStoreException) {
            Logger.error(e, "relay: store failure");
            return error(Kind.INTERNAL);
        }
        Logger.error(e, "relay: unexpected failure");
        return error(Kind.INTERNAL);
    }

    private static String pathForLog(FullHttpRequest req) {
        String p;
        try {
            p = new QueryStringDecoder(req.uri()).path();
        } catch (IllegalArgumentException e) {
            return "<undecodable>";
        }
        return p.length() > 64 ? p.substring(0, 64) + "..." : p;
    }

    // ------------------------------------------------------------ routing

    /**
     * Decodes a URI (or form body) fully up front; malformed percent-escapes are the client's
     * fault (400), not ours.
     */
    static QueryStringDecoder query(String uri) {
        return query(new QueryStringDecoder(uri));
    }

    static QueryStringDecoder query(QueryStringDecoder q) {
        try {
            q.path();
            q.parameters();
            return q;
        } catch (IllegalArgumentException e) {
            throw new RelayFailure(Kind.BAD_REQUEST, "undecodable URI");
        }
    }

    private FullHttpResponse route(FullHttpRequest req, Exchange ex) {
        QueryStringDecoder q = query(req.uri());
        String path = q.path();
        HttpMethod m = req.method();
        switch (path) {
            case "/api/v1/health/live" -> {
                requireMethod(m, HttpMethod.GET);
                return json(HttpResponseStatus.OK, Map.of("status", "ok"));
            }
            case "/api/v1/health", "/api/v1/health/ready" -> {
                requireMethod(m, HttpMethod.GET);
                service.checkAddress(ex.client);
                return service.ready() ? json(HttpResponseStatus.OK, Map.of("status", "ok"))
                        : json(HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("status", "unavailable"));
            }
            case "/api/v1/register" -> {
                requireMethod(m, HttpMethod.POST);
                service.checkAddress(ex.client);
                Json.RegisterRequest r = body(req, Json.RegisterRequest.class);
                String token = service.register(r.uid(), r.invite(), ex.client);
                return json(HttpResponseStatus.CREATED, ordered("uid", r.uid(), "token", token));
            }
            case "/api/v1/send" -> {
                requireMethod(m, HttpMethod.POST); // a POST never gets here (routeAsync)
                throw new IllegalStateException("send routed synchronously");
            }
            case "/api/v1/messages" -> {
                requireMethod(m, HttpMethod.GET);
                String uid = auth(req, ex);
                long from = longParam(q, "from", 0);
                long limit = longParam(q, "limit", service.limits().fetchLimit());
                RelayService.Fetched f = service.fetchReserved(uid, from, (int) Math.min(limit, Integer.MAX_VALUE), ex.leases);
                List<Json.Message> out = new ArrayList<>(f.messages().size());
                for (StoredMessage s : f.messages()) {
                    out.add(new Json.Message(s.ref(), s.sender(), s.recipient(), s.contents(), s.createdMillis()));
                }
                return json(HttpResponseStatus.OK, ordered("messages", out, "nextRef", f.nextRef()));
            }
            case "/api/v1/ack" -> {
                requireMethod(m, HttpMethod.POST);
                String uid = auth(req, ex);
                Json.AckRequest r = body(req, Json.AckRequest.class);
                return json(HttpResponseStatus.OK, Map.of("acked", service.ack(uid, r.refs())));
            }
            case "/api/v1/users" -> {
                requireMethod(m, HttpMethod.GET);
                auth(req, ex);
                return json(HttpResponseStatus.OK, Map.of("users", service.users()));
            }
            case "/api/v1/nextref" -> {
                requireMethod(m, HttpMethod.GET);
                auth(req, ex);
                return json(HttpResponseStatus.OK, Map.of("nextRef", service.nextRef()));
            }
            default -> {
                if (path.startsWith(USERS_PREFIX)) {
                    requireMethod(m, HttpMethod.GET);
                    auth(req, ex);
                    Optional<RelayService.UserView> u = service.user(path.substring(USERS_PREFIX.length()));
                    if (u.isEmpty()) {
                        throw new RelayFailure(Kind.NOT_FOUND, "no such account");
                    }
                    return json(HttpResponseStatus.OK, ordered("uid", u.get().uid(), "online", u.get().online()));
                }
                if (legacy) {
                    FullHttpResponse r = legacyRoute(req, q, ex);
                    if (r != null) {
                        return r;
                    }
                }
                throw new RelayFailure(Kind.NOT_FOUND, "no route");
            }
        }
    }

    /** The paper's plain endpoints; null if the path is not one of them. */
    private FullHttpResponse legacyRoute(FullHttpRequest req, QueryStringDecoder q, Exchange ex) {
        String path = q.path();
        if (!path.equals("/check") && !path.equals("/send") && !path.equals("/getmessages") && !path.equals("/getnextref")) {
            return null;
        }
        HttpMethod m = req.method();
        if (!HttpMethod.GET.equals(m) && !HttpMethod.POST.equals(m)) {
            throw new RelayFailure(Kind.METHOD, "legacy method");
        }
        service.checkAddress(ex.client);
        switch (path) {
            case "/check" -> {
                return json(HttpResponseStatus.OK, Map.of("status", "ok"));
            }
            case "/getnextref" -> {
                return json(HttpResponseStatus.OK, Map.of("ref", service.nextRef()));
            }
            case "/send" -> {
                Json.LegacySend s = legacyParams(req, q, Json.LegacySend.class, List.of("sender_uid", "recipient_uid", "contents"));
                long ref = service.legacySend(s.senderUid(), s.recipientUid(), s.contents());
                return json(HttpResponseStatus.OK, Map.of("ref", ref));
            }
            default -> {
                Json.LegacyGetMessages g = legacyParams(req, q, Json.LegacyGetMessages.class,
                        List.of("recipient_uid", "start_ref", "token"));
                long start = g.startRef() == null ? 0 : g.startRef();
                String token = g.token();
                String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
                if (token == null && header != null && header.startsWith("Bearer ")) {
                    token = header.substring("Bearer ".length()).trim();
                }
                String uid = service.legacyAuthorize(g.recipientUid(), token, ex.client);
                List<Json.LegacyMessage> out = new ArrayList<>();
                for (StoredMessage s : service.legacyFetch(uid, start, ex.leases)) {
                    out.add(new Json.LegacyMessage(s.ref(), s.sender(), s.recipient(), s.contents()));
                }
                return json(HttpResponseStatus.OK, out);
            }
        }
    }

    /**
     * Legacy parameters come as a JSON body, a form body, or the query string; each is strict
     * about unknown and repeated fields.
     */
    private <T> T legacyParams(FullHttpRequest req, QueryStringDecoder q, Class<T> type, List<String> fields) {
        String ctype = req.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        boolean hasBody = req.content().isReadable();
        if (hasBody && ctype.toLowerCase().startsWith("application/json")) {
            return Json.parse(reader, req.content(), type);
        }
        Map<String, List<String>> params;
        if (hasBody) {
            if (!ctype.toLowerCase().startsWith("application/x-www-form-urlencoded")) {
                throw new RelayFailure(Kind.BAD_REQUEST, "legacy content type");
            }
            params = query(new QueryStringDecoder(req.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8, false, 16))
                    .parameters();
        } else {
            params = q.parameters();
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> e : params.entrySet()) {
            if (!fields.contains(e.getKey()) || e.getValue().size() != 1) {
                throw new RelayFailure(Kind.BAD_REQUEST, "legacy parameter");
            }
            String v = e.getValue().get(0);
            values.put(e.getKey(), e.getKey().equals("start_ref") ? parseRef(v) : v);
        }
        return reader.convertValue(values, type);
    }

    private static void requireMethod(HttpMethod actual, HttpMethod expected) {
        if (!expected.equals(actual)) {
            throw new RelayFailure(Kind.METHOD, "method");
        }
    }

    private String auth(FullHttpRequest req, Exchange ex) {
        return service.authenticate(req.headers().get(HttpHeaderNames.AUTHORIZATION), ex.client);
    }

    private <T> T body(FullHttpRequest req, Class<T> type) {
        return Json.parse(reader, req.content(), type);
    }

    static long longParam(QueryStringDecoder q, String name, long dflt) {
        List<String> v = q.parameters().get(name);
        if (v == null) {
            return dflt;
        }
        if (v.size() != 1) {
            throw new RelayFailure(Kind.BAD_REQUEST, "repeated parameter");
        }
        return parseRef(v.get(0));
    }

    static long parseRef(String s) {
        if (s.isEmpty() || s.length() > 18) {
            throw new RelayFailure(Kind.BAD_REQUEST, "number");
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                throw new RelayFailure(Kind.BAD_REQUEST, "number");
            }
        }
        return Long.parseLong(s);
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    // ------------------------------------------------------------ responses

    static FullHttpResponse json(HttpResponseStatus status, Object body) {
        byte[] bytes;
        try {
            bytes = WRITER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        HttpUtil.setContentLength(r, bytes.length);
        return r;
    }

    static FullHttpResponse error(Kind kind) {
        return json(HttpResponseStatus.valueOf(kind.status), Map.of("error", kind.word));
    }

    /** On the event loop: write, then serve the next pipelined request or resume reading. */
    private void respond(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive, Exchange ex) {
        if (!keepAlive) {
            resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(resp).addListener(f -> ex.release()).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HttpUtil.setKeepAlive(resp, true);
        ctx.writeAndFlush(resp).addListener(f -> ex.release());
        busy = false;
        if (pending.isEmpty()) {
            ctx.channel().config().setAutoRead(true);
        } else {
            next(ctx);
        }
    }

    private void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse resp) {
        resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    /** On the event loop, after authentication: switch this channel to WebSocket. */
    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, String uid, long from) {
        try {
            String url = (tls ? "wss://" : "ws://") + req.headers().get(HttpHeaderNames.HOST, "relay") + WS_PATH;
            WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory(url, null, false,
                    service.limits().wsMaxFrameBytes()).newHandshaker(req);
            if (hs == null) {
                WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                        .addListener(ChannelFutureListener.CLOSE);
                return;
            }
            RelayWebSocketHandler ws = new RelayWebSocketHandler(service, blocking, uid, from, hs);
            // no more HTTP requests on this connection: drop the HTTP-only stages
            if (ctx.pipeline().get(RequestDeadline.class) != null) {
                ctx.pipeline().remove(RequestDeadline.class);
            }
            ctx.pipeline().replace(this, "relay-ws", ws);
            // a message split into continuation frames is put together, up to the same bound
            ctx.pipeline().addBefore("relay-ws", "ws-aggregator",
                    new io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator(service.limits().wsMaxFrameBytes()));
            hs.handshake(ctx.channel(), req).addListener(f -> {
                if (f.isSuccess()) {
                    if (ctx.pipeline().get(RequestGate.class) != null) {
                        ctx.pipeline().remove(RequestGate.class);
                    }
                    ws.start();
                    ctx.channel().config().setAutoRead(true);
                } else {
                    ctx.channel().close();
                }
            });
        } catch (RuntimeException e) {
            Logger.debug(e, "relay: WebSocket upgrade failed");
            ctx.channel().close();
        } finally {
            req.release();
            pending.forEach(p -> {
                p.req.release();
                p.ticket.release();
            });
            pending.clear();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent e && e.state() == io.netty.handler.timeout.IdleState.READER_IDLE && !busy) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        pending.forEach(p -> {
            p.req.release();
            p.ticket.release();
        });
        pending.clear();
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Logger.debug(cause, "relay: connection error from {}", ctx.channel().remoteAddress());
        ctx.close();
    }
}
