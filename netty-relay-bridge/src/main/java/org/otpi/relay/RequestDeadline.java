package org.otpi.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * A request must arrive whole within {@code millis} of its first byte: a client that trickles
 * its headers or body (slowloris) gets 408 and the connection is closed, so it cannot hold a
 * connection and its buffers for longer than that. Sits before the HTTP codec (it sees raw
 * bytes); {@link RelayHandler} calls {@link #complete()} when a whole request has been decoded.
 * Removed from the pipeline when the connection becomes a WebSocket. Event-loop only.
 */
final class RequestDeadline extends ChannelInboundHandlerAdapter {
    private static final byte[] TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\n"
            + "Content-Length: 19\r\nConnection: close\r\n\r\n{\"error\":\"timeout\"}").getBytes(StandardCharsets.US_ASCII);

    private final long millis;
    private ScheduledFuture<?> timer;
    private boolean waiting;

    RequestDeadline(long millis) {
        this.millis = millis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (!waiting && msg instanceof ByteBuf b && b.isReadable()) {
            waiting = true;
            timer = ctx.executor().schedule(() -> expire(ctx), millis, TimeUnit.MILLISECONDS);
        }
        super.channelRead(ctx, msg);
    }

    /** A whole request has arrived: stop the clock until the next one starts. */
    void complete() {
        waiting = false;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        if (!waiting || !ctx.channel().isActive()) {
            return;
        }
        Logger.debug("relay: request not complete within {} ms; closing", millis);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        complete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        complete();
        super.channelInactive(ctx);
    }
}
