package org.otpi.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.ProtocolDetectionResult;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.tinylog.Logger;

/**
 * First in the pipeline: looks at the first bytes of a connection for a PROXY protocol header
 * (v1 text or v2 binary, as HAProxy's {@code send-proxy} / {@code send-proxy-v2} write it).
 * From a trusted proxy the header is decoded (Netty's {@link HAProxyMessageDecoder}) and its
 * source address becomes the connection's client address; without a header the connection is
 * plain HTTP. From anyone else a PROXY header is a forgery and the connection is closed.
 */
final class ProxyProtocolHandler extends ByteToMessageDecoder {
    /** The client address a trusted proxy's PROXY header gave for this connection. */
    static final AttributeKey<InetAddress> PROXIED = AttributeKey.valueOf("otpi.relay.proxied");

    private final TrustedProxies trusted;
    private final ConnectionGate gate;

    ProxyProtocolHandler(TrustedProxies trusted, ConnectionGate gate) {
        this.trusted = trusted;
        this.gate = gate;
    }

    static InetAddress peer(io.netty.channel.Channel ch) {
        return ch.remoteAddress() instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        ProtocolDetectionResult<HAProxyProtocolVersion> r = HAProxyMessageDecoder.detectProtocol(in);
        switch (r.state()) {
            case NEEDS_MORE_DATA -> {
                // a PROXY signature is at most 12 bytes; wait for them
            }
            case INVALID -> ctx.pipeline().remove(this); // plain HTTP: the bytes go on to the codec
            case DETECTED -> {
                InetAddress peer = peer(ctx.channel());
                if (!trusted.trusts(peer)) {
                    Logger.tag("security").warn("relay: PROXY header from untrusted peer {}; closed",
                            peer == null ? "?" : peer.getHostAddress());
                    in.skipBytes(in.readableBytes());
                    ctx.close();
                    return;
                }
                ctx.pipeline().addAfter(ctx.name(), "proxy-message", new MessageHandler(gate));
                ctx.pipeline().addAfter(ctx.name(), "proxy-decoder", new HAProxyMessageDecoder());
                ctx.pipeline().remove(this);
            }
            default -> throw new IllegalStateException();
        }
    }

    /** Takes the decoded header, records the client address and leaves the pipeline. */
    private static final class MessageHandler extends ChannelInboundHandlerAdapter {
        private final ConnectionGate gate;

        MessageHandler(ConnectionGate gate) {
            this.gate = gate;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof HAProxyMessage m)) {
                ctx.fireChannelRead(msg);
                return;
            }
            try {
                if (m.command() == HAProxyCommand.PROXY && m.sourceAddress() != null) {
                    InetAddress source = TrustedProxies.literal(m.sourceAddress());
                    if (source != null) {
                        ctx.channel().attr(PROXIED).set(source);
                        gate.proxied(ctx.channel(), source.getHostAddress());
                    }
                }
            } finally {
                m.release();
            }
            ctx.pipeline().remove(this);
        }
    }
}
