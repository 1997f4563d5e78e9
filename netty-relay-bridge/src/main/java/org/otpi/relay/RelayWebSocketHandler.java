package org.otpi.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.otpi.relay.store.StoredMessage;
import org.tinylog.Logger;

/**
 * One authenticated WebSocket session ({@code /api/v1/ws}).
 *
 * <p>Server to client, text frames:
 * <pre>
 * {"type":"messages","messages":[{"ref":17,"from":"alice","to":"bob","contents":"BASE64","sentAt":1700000000000}]}
 * {"type":"synced","nextRef":18}      the offline queue (ref &gt;= from) has been sent
 * </pre>
 * Client to server: {@code {"type":"ack","refs":[17]}}; anything else closes the session.
 *
 * <p>At connect the session joins the hub first and then sends the offline queue a page at a
 * time (bounded by bytes, like a fetch), the next page only once the client has taken the last
 * one; so a package stored in between may arrive twice: clients deduplicate by ref.
 *
 * <p>Bounds: every frame the client sends costs a token of the account's rate limit (an ack one
 * more per 50 refs), and with none left the relay stops reading the socket until one is back
 * (the client's frames wait in its own buffers) and drops the frames it had already read. Acknowledged refs are merged into one pending set per session (at most
 * {@link RelayLimits#wsPendingAcks}; past that, reading stops too) and written to the store by at
 * most one operation at a time. So a flood of acks costs its sender time, and the store at most
 * one batched operation per session. A push that finds the memory budget spent, or the client's
 * socket full, closes the session with 1013 "try again later": nothing is lost, the packages stay
 * queued until acknowledged.
 */
final class RelayWebSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements PushHub.Session {
    private static final ObjectMapper WRITER = new ObjectMapper();
    /** Most refs in one acknowledgement written to the store. */
    private static final int ACK_BATCH = 1000;

    private final RelayService service;
    private final Executor blocking;
    private final String uid;
    private final long from;
    private final WebSocketServerHandshaker handshaker;
    private final ObjectMapper reader;
    private volatile Channel channel;
    // event loop only:
    private final LinkedHashSet<Long> pendingAcks = new LinkedHashSet<>();
    private boolean ackInFlight;
    private boolean pausedForAcks;
    private boolean pausedForRate;
    private Runnable whenWritable;

    RelayWebSocketHandler(RelayService service, Executor blocking, String uid, long from, WebSocketServerHandshaker hs) {
        this.service = service;
        this.blocking = blocking;
        this.uid = uid;
        this.from = from;
        this.handshaker = hs;
        this.reader = Json.strictMapper(service.limits().wsMaxFrameBytes());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    /** After the handshake: join the hub, then send the offline queue. */
    void start() {
        service.hub().add(uid, this);
        channel.closeFuture().addListener(f -> service.hub().remove(uid, this));
        runBlocking(() -> backlogPage(from));
    }

    private String budgetKey() {
        return "acct:" + uid;
    }

    /** One page of the offline queue from {@code next}; the following page once this one has been taken. Worker thread. */
    private void backlogPage(long next) {
        Channel ch = channel;
        if (!ch.isActive()) {
            return;
        }
        List<MemoryBudget.Lease> held = new ArrayList<>();
        Runnable lease = () -> held.forEach(MemoryBudget.Lease::release);
        RelayService.Fetched f;
        String text;
        try {
            f = service.fetchReserved(uid, next, service.limits().fetchLimit(), held);
            text = f.storedCount() == 0 ? null : f.messages().isEmpty() ? "" : messagesFrame(f.messages());
        } catch (RelayFailure e) {
            lease.run();
            tryAgainLater(ch, "memory budget spent during backlog");
            return;
        } catch (RuntimeException e) {
            lease.run();
            throw e;
        }
        if (text == null) {
            lease.run();
            Map<String, Object> synced = new LinkedHashMap<>();
            synced.put("type", "synced");
            synced.put("nextRef", Math.max(next, service.nextRef()));
            String frame = toJson(synced);
            ch.eventLoop().execute(() -> ch.writeAndFlush(new TextWebSocketFrame(frame)));
            return;
        }
        long nextRef = f.nextRef();
        ch.eventLoop().execute(() -> {
            if (text.isEmpty()) { // everything on this page was filtered out (test relays only)
                lease.run();
                runBlocking(() -> backlogPage(nextRef));
                return;
            }
            ch.writeAndFlush(new TextWebSocketFrame(text)).addListener(w -> {
                lease.run();
                if (w.isSuccess()) {
                    onceWritable(() -> runBlocking(() -> backlogPage(nextRef)));
                }
            });
        });
    }

    /** Event loop: runs {@code r} now if the socket can take more, else when it can. */
    private void onceWritable(Runnable r) {
        if (channel.isWritable()) {
            r.run();
        } else {
            whenWritable = r;
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isWritable() && whenWritable != null) {
            Runnable r = whenWritable;
            whenWritable = null;
            r.run();
        }
        super.channelWritabilityChanged(ctx);
    }

    /** Live packages from the hub; any thread; never blocks. */
    @Override
    public void push(List<StoredMessage> messages) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        long size = 256;
        for (StoredMessage m : messages) {
            size += m.contents().length() + 128;
        }
        MemoryBudget.Lease lease = service.budget().tryReserve(budgetKey(), size * MemoryBudget.PUSH_FACTOR);
        if (lease == null || !ch.isWritable()) {
            if (lease != null) {
                lease.release();
            }
            tryAgainLater(ch, lease == null ? "memory budget spent" : "client too slow");
            return;
        }
        ch.eventLoop().execute(() -> {
            String text;
            try {
                text = messagesFrame(messages);
            } catch (RuntimeException e) {
                lease.release();
                throw e;
            }
            ch.writeAndFlush(new TextWebSocketFrame(text)).addListener(f -> lease.release());
        });
    }

    @Override
    public io.netty.util.concurrent.Future<?> goingAway() {
        Channel ch = channel;
        ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE))
                .addListener(f -> ch.close());
        return ch.closeFuture();
    }

    private static void tryAgainLater(Channel ch, String why) {
        Logger.debug("relay: WebSocket closed with 1013 ({})", why);
        ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.TRY_AGAIN_LATER)).addListener(f -> ch.close());
    }

    private static String messagesFrame(List<StoredMessage> messages) {
        List<Json.Message> out = new ArrayList<>(messages.size());
        for (StoredMessage s : messages) {
            out.add(new Json.Message(s.ref(), s.sender(), s.recipient(), s.contents(), s.createdMillis()));
        }
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "messages");
        frame.put("messages", out);
        return toJson(frame);
    }

    private static String toJson(Object frame) {
        try {
            return WRITER.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------ frames from the client

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame) {
            handshaker.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
            return;
        }
        if (!service.spendFrame(uid)) {
            // Over the account's rate: stop reading, and drop what was already read. Dropping an
            // ack loses nothing (the packages stay queued until acknowledged again).
            pauseForRate(ctx);
            return;
        }
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof PongWebSocketFrame) {
            return;
        } else if (frame instanceof TextWebSocketFrame) {
            Json.ClientFrame f;
            List<Long> refs;
            try {
                f = Json.parse(reader, frame.content(), Json.ClientFrame.class);
                if (!"ack".equals(f.type())) {
                    closeWith(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
                    return;
                }
                refs = service.checkRefs(f.refs());
            } catch (RelayFailure e) {
                closeWith(ctx, isRefsRefusal(e) ? WebSocketCloseStatus.POLICY_VIOLATION : WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
                return;
            }
            service.chargeAcks(uid, refs.size());
            service.countAckFrame();
            if (service.nanosUntilAccountToken(uid) > 0) {
                pauseForRate(ctx);
            }
            pendingAcks.addAll(refs);
            if (pendingAcks.size() >= service.limits().wsPendingAcks()) {
                pausedForAcks = true;
                updateAutoRead(ctx);
            }
            flushAcks(ctx);
        } else {
            closeWith(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
        }
    }

    /** A refs list that parsed but is unacceptable (empty, too long, a bad ref) is a policy violation. */
    private static boolean isRefsRefusal(RelayFailure e) {
        return "refs".equals(e.getMessage()) || "ref".equals(e.getMessage());
    }

    /** At most one acknowledgement in the store's queue per session; what arrives meanwhile is merged. */
    private void flushAcks(ChannelHandlerContext ctx) {
        if (ackInFlight || pendingAcks.isEmpty()) {
            return;
        }
        List<Long> batch = new ArrayList<>(Math.min(ACK_BATCH, pendingAcks.size()));
        Iterator<Long> it = pendingAcks.iterator();
        while (it.hasNext() && batch.size() < ACK_BATCH) {
            batch.add(it.next());
            it.remove();
        }
        ackInFlight = true;
        service.ackAsync(uid, batch).whenComplete((n, e) -> ctx.executor().execute(() -> {
            ackInFlight = false;
            if (e != null) {
                Logger.debug(e, "relay: WebSocket acknowledgement failed; the packages stay queued");
            }
            if (pausedForAcks && pendingAcks.size() < service.limits().wsPendingAcks() / 2) {
                pausedForAcks = false;
                updateAutoRead(ctx);
            }
            flushAcks(ctx);
        }));
    }

    private void pauseForRate(ChannelHandlerContext ctx) {
        if (pausedForRate) {
            return;
        }
        pausedForRate = true;
        updateAutoRead(ctx);
        long wait = Math.max(TimeUnit.MILLISECONDS.toNanos(1), service.nanosUntilAccountToken(uid));
        ctx.executor().schedule(() -> {
            pausedForRate = false;
            updateAutoRead(ctx);
        }, Math.min(wait, TimeUnit.SECONDS.toNanos(5)), TimeUnit.NANOSECONDS);
    }

    private void updateAutoRead(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(!pausedForAcks && !pausedForRate);
    }

    private void runBlocking(Runnable r) {
        try {
            blocking.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    Logger.warn(e, "relay: WebSocket task failed");
                    channel.close();
                }
            });
        } catch (RejectedExecutionException e) {
            channel.close();
        }
    }

    private static void closeWith(ChannelHandlerContext ctx, WebSocketCloseStatus status) {
        ctx.writeAndFlush(new CloseWebSocketFrame(status)).addListener(f -> ctx.close());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent e) {
            if (e.state() == IdleState.READER_IDLE) {
                if (!pausedForAcks && !pausedForRate) {
                    ctx.close();
                }
            } else if (e.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Logger.debug(cause, "relay: WebSocket error");
        ctx.close();
    }
}
