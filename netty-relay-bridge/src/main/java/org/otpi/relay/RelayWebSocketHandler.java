package org.otpi.relay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBufUtil;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
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
 * <p>At connect the session joins the hub first and then sends the offline queue, so a package
 * stored in between may arrive twice: clients deduplicate by ref. A client that cannot keep up
 * (the write buffer passes its high-water mark) is disconnected with 1013 "try again later";
 * nothing is lost, the packages stay queued until acknowledged.
 */
final class RelayWebSocketHandler extends SimpleChannelInboundHandler<WebSocketFrame> implements PushHub.Session {
    private static final ObjectMapper WRITER = new ObjectMapper();

    private final RelayService service;
    private final Executor blocking;
    private final String uid;
    private final long from;
    private final WebSocketServerHandshaker handshaker;
    private final ObjectMapper reader = Json.strictMapper(64 * 1024);
    private volatile Channel channel;

    RelayWebSocketHandler(RelayService service, Executor blocking, String uid, long from, WebSocketServerHandshaker hs) {
        this.service = service;
        this.blocking = blocking;
        this.uid = uid;
        this.from = from;
        this.handshaker = hs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.channel = ctx.channel();
    }

    /** After the handshake: join the hub, then send the offline queue. */
    void start() {
        service.hub().add(uid, this);
        channel.closeFuture().addListener(f -> service.hub().remove(uid, this));
        runBlocking(this::sendBacklog);
    }

    private void sendBacklog() {
        long next = from;
        int limit = service.limits().fetchLimit();
        while (channel.isActive()) {
            RelayService.Fetched f = service.fetch(uid, next, limit);
            if (!f.messages().isEmpty()) {
                push(f.messages());
            }
            next = f.nextRef();
            if (f.storedCount() < limit) {
                break;
            }
        }
        Map<String, Object> synced = new LinkedHashMap<>();
        synced.put("type", "synced");
        synced.put("nextRef", Math.max(next, service.nextRef()));
        write(synced);
    }

    @Override
    public void push(List<StoredMessage> messages) {
        List<Json.Message> out = new ArrayList<>(messages.size());
        for (StoredMessage s : messages) {
            out.add(new Json.Message(s.ref(), s.sender(), s.recipient(), s.contents(), s.createdMillis()));
        }
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "messages");
        frame.put("messages", out);
        write(frame);
    }

    private void write(Object frame) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        if (!ch.isWritable()) {
            Logger.debug("relay: WebSocket client too slow; disconnecting");
            ch.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.TRY_AGAIN_LATER)).addListener(f -> ch.close());
            return;
        }
        String text;
        try {
            text = WRITER.writeValueAsString(frame);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        ch.writeAndFlush(new TextWebSocketFrame(text));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof PongWebSocketFrame) {
            return;
        } else if (frame instanceof CloseWebSocketFrame) {
            handshaker.close(ctx.channel(), (CloseWebSocketFrame) frame.retain());
        } else if (frame instanceof TextWebSocketFrame) {
            byte[] body = ByteBufUtil.getBytes(frame.content());
            Json.ClientFrame f;
            try {
                f = Json.parse(reader, body, Json.ClientFrame.class);
            } catch (RelayFailure e) {
                closeWith(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
                return;
            }
            if (!"ack".equals(f.type())) {
                closeWith(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
                return;
            }
            runBlocking(() -> {
                try {
                    service.ack(uid, f.refs());
                } catch (RelayFailure e) {
                    closeWith(ctx, WebSocketCloseStatus.POLICY_VIOLATION);
                }
            });
        } else {
            closeWith(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
        }
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
                ctx.close();
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
