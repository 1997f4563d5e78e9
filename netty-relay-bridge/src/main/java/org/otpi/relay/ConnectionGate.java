package org.otpi.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * The connection cap: at most {@code maxConnections} open on this node, and at most
 * {@code perAddress} from one client address. The address is the TCP peer, or the PROXY header's
 * source once a trusted proxy has sent it; a trusted proxy's own connections (X-Forwarded-For
 * behind them) count only against the total, since many clients share them. A connection over a
 * cap is closed before anything is read from it.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<String> COUNTED = AttributeKey.valueOf("otpi.relay.counted-as");

    private final int max;
    private final int perAddress;
    private final TrustedProxies trusted;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionGate(int max, int perAddress, TrustedProxies trusted) {
        this.max = max;
        this.perAddress = perAddress;
        this.trusted = trusted;
    }

    int open() {
        return open.get();
    }

    int refused() {
        return refused.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > max) {
            refuse(ctx.channel(), "connection cap");
            return;
        }
        InetAddress peer = ProxyProtocolHandler.peer(ctx.channel());
        if (peer != null && !trusted.trusts(peer) && !count(ctx.channel(), peer.getHostAddress())) {
            return;
        }
        super.channelActive(ctx);
    }

    /** The PROXY header named the client: count the connection against it. */
    void proxied(Channel ch, String client) {
        count(ch, client);
    }

    private boolean count(Channel ch, String address) {
        if (ch.attr(COUNTED).get() != null) {
            return true;
        }
        AtomicInteger n = byAddress.computeIfAbsent(address, k -> new AtomicInteger());
        ch.attr(COUNTED).set(address);
        if (n.incrementAndGet() > perAddress) {
            refuse(ch, "per-address connection cap");
            return false;
        }
        return true;
    }

    private void refuse(Channel ch, String why) {
        if (refused.incrementAndGet() % 1000 == 1) {
            Logger.warn("relay: {} reached; closing new connections ({} so far)", why, refused.get());
        }
        ch.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        String a = ctx.channel().attr(COUNTED).getAndSet(null);
        if (a != null) {
            byAddress.computeIfPresent(a, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
        }
        super.channelInactive(ctx);
    }
}
