package org.otpi.relay;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.Executor;

/** The relay's pipeline, one stage per line, every stage bounded. */
final class RelayInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_BYTES = 8192;

    private final RelayConfig config;
    private final RelayService service;
    private final Executor blocking;
    private final TrustedProxies trusted;
    private final ConnectionGate gate;

    RelayInitializer(RelayConfig config, RelayService service, Executor blocking, ConnectionGate gate) {
        this.config = config;
        this.service = service;
        this.blocking = blocking;
        this.trusted = TrustedProxies.parse(config.trustedProxies());
        this.gate = gate;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 2 * 1024 * 1024));
        ChannelPipeline p = ch.pipeline();
        RelayLimits limits = config.limits();
        // 1. The connection cap (total, and per client address).
        p.addLast("gate", gate);
        // 2. A PROXY protocol header from a trusted load balancer names the client; from anyone else it closes the connection.
        if (!trusted.isEmpty()) {
            p.addLast("proxy", new ProxyProtocolHandler(trusted, gate));
        }
        // 3. TLS, when configured.
        if (config.sslContext() != null) {
            p.addLast("tls", config.sslContext().newHandler(ch.alloc()));
        }
        // 4. A connection silent for idleSeconds is closed; a WebSocket is pinged at a third of that.
        int idle = limits.idleSeconds();
        p.addLast("idle", new IdleStateHandler(idle, Math.max(1, idle / 3), 0));
        // 5. A request must arrive whole within requestSeconds of its first byte (408 beyond).
        p.addLast("deadline", new RequestDeadline(limits.requestSeconds() * 1000L));
        // 6. HTTP/1.1 with bounded request line and headers.
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
        // 7. Who the client is; the body's size checked and its memory reserved before it is read.
        p.addLast("request-gate", new RequestGate(trusted, service.budget(), limits.maxBodyBytes()));
        // 8. Whole requests only (the gate already refused anything larger).
        p.addLast("aggregator", new HttpObjectAggregator(limits.maxBodyBytes()));
        // 9. Routing; store calls go to the blocking executor. Replaced by the WebSocket handler on upgrade.
        p.addLast("relay", new RelayHandler(service, blocking, config.legacyEndpoints(), config.sslContext() != null));
    }
}
