package org.otpi.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.otpi.relay.RelayFailure.Kind;

/**
 * Between the HTTP codec and the aggregator: decides who the client is and whether the relay
 * can afford the request before its body is read.
 *
 * <ul>
 *   <li>the client address ({@link TrustedProxies}: PROXY header, X-Forwarded-For from a trusted
 *       proxy, or the peer);
 *   <li>a body declared or found larger than the limit: 413, connection closed (the aggregator
 *       never buffers it);
 *   <li>the body's memory ({@link MemoryBudget#BODY_FACTOR} times its declared size, the limit
 *       for a chunked one) reserved under the client address: 503, connection closed, when the
 *       budget or the address's share of it is spent.
 * </ul>
 * Each request leaves a {@link Ticket} (client address and reservation) in a per-connection
 * queue; {@link RelayHandler} takes them in order and releases the reservation when the response
 * has been written. Event-loop only.
 */
final class RequestGate extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<ArrayDeque<Ticket>> TICKETS = AttributeKey.valueOf("otpi.relay.tickets");
    /** Reserved for any request, body or not: headers, routing, the answer to a small call. */
    static final long BASE_BYTES = 16 * 1024;
    /** How long a refused connection keeps reading (and dropping) what the client still sends. */
    static final long LINGER_MILLIS = 2_000;

    /** Who sent a request, and the memory held for it. */
    record Ticket(String client, MemoryBudget.Lease lease) {
        void release() {
            if (lease != null) {
                lease.release();
            }
        }
    }

    private final TrustedProxies trusted;
    private final MemoryBudget budget;
    private final int maxBody;
    private long bodySoFar;
    private boolean dropping;

    RequestGate(TrustedProxies trusted, MemoryBudget budget, int maxBody) {
        this.trusted = trusted;
        this.budget = budget;
        this.maxBody = maxBody;
    }

    /** The next request's ticket on this connection, or null. */
    static Ticket take(Channel ch) {
        ArrayDeque<Ticket> q = ch.attr(TICKETS).get();
        return q == null ? null : q.poll();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (dropping) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            String client = trusted.clientAddress(ProxyProtocolHandler.peer(ctx.channel()),
                    ctx.channel().attr(ProxyProtocolHandler.PROXIED).get(), req.headers().getAll("X-Forwarded-For"));
            long declared;
            try {
                declared = HttpUtil.getContentLength(req, -1L);
            } catch (NumberFormatException e) {
                declared = maxBody + 1L;
            }
            if (declared > maxBody) {
                refuse(ctx, msg, Kind.TOO_LARGE);
                return;
            }
            long body = declared >= 0 ? declared : (HttpUtil.isTransferEncodingChunked(req) ? maxBody : 0);
            MemoryBudget.Lease lease = budget.tryReserve("addr:" + client, BASE_BYTES + body * MemoryBudget.BODY_FACTOR);
            if (lease == null) {
                refuse(ctx, msg, Kind.BUSY);
                return;
            }
            ArrayDeque<Ticket> q = ctx.channel().attr(TICKETS).get();
            if (q == null) {
                q = new ArrayDeque<>();
                ctx.channel().attr(TICKETS).set(q);
            }
            q.add(new Ticket(client, lease));
            bodySoFar = 0;
        }
        if (msg instanceof HttpContent c) {
            bodySoFar += c.content().readableBytes();
            if (bodySoFar > maxBody) {
                refuse(ctx, msg, Kind.TOO_LARGE);
                return;
            }
        }
        super.channelRead(ctx, msg);
    }

    private void refuse(ChannelHandlerContext ctx, Object msg, Kind kind) {
        ReferenceCountUtil.release(msg);
        dropping = true;
        FullHttpResponse r = RelayHandler.error(kind);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(f -> lingerThenClose(ctx.channel()));
    }

    /**
     * Closes after the refusal without destroying it: closing a socket whose client is still
     * sending the body we refused resets the connection, and the reset can reach the client
     * before it has read the refusal ("no response" instead of 413). So the output is shut down
     * (the client reads the answer, then end of stream) while what still arrives is read and
     * dropped, and the connection is closed when the client closes it or after
     * {@link #LINGER_MILLIS}.
     */
    private static void lingerThenClose(Channel ch) {
        if (ch instanceof DuplexChannel d && ch.isActive()) {
            d.shutdownOutput();
            ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } else {
            ch.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ArrayDeque<Ticket> q = ctx.channel().attr(TICKETS).getAndSet(null);
        if (q != null) {
            q.forEach(Ticket::release);
        }
        super.channelInactive(ctx);
    }
}
