package org.otpi.appliance.rpc;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * Cuts off slow and idle clients. Unlike a read timeout, which a slowloris client resets with one
 * byte at a time, this is a deadline: from the moment the server waits for a request (connection
 * open, or previous response written) the whole request must arrive within the limit. While a
 * request is being processed (approval pending) there is no deadline; the approval timeout bounds
 * that. Streamed file bodies switch to the file handler's own stall timeout via {@link #suspend}.
 *
 * <p>Sits right after the HTTP codec. Not sharable: one per connection, event-loop confined.
 */
final class ConnectionDeadlines extends ChannelDuplexHandler {
    private final long timeoutMillis;
    private ScheduledFuture<?> timer;
    private boolean suspended;

    ConnectionDeadlines(long timeoutMillis) {
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            arm(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(ctx);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof LastHttpContent) {
            disarm();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof LastHttpContent && !suspended) {
            promise = promise.unvoid();
            promise.addListener((ChannelFutureListener) f -> {
                if (f.isSuccess() && f.channel().isActive()) {
                    arm(ctx);
                }
            });
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    /** Stops the deadline for the rest of this connection (streamed bodies have their own). */
    void suspend() {
        suspended = true;
        disarm();
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        if (suspended) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            Logger.tag("security").info("closing {}: request not complete within {} ms", ctx.channel().remoteAddress(), timeoutMillis);
            ctx.close();
        }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
