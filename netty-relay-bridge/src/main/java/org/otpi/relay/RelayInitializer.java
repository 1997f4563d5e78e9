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

    RelayInitializer(RelayConfig config, RelayService service, Executor blocking) {
        this.config = config;
        this.service = service;
        this.blocking = blocking;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 * 1024, 2 * 1024 * 1024));
        ChannelPipeline p = ch.pipeline();
        // 1. TLS, when configured.
        if (config.sslContext() != null) {
            p.addLast("tls", config.sslContext().newHandler(ch.alloc()));
        }
        // 2. A connection silent for idleSeconds is closed; a WebSocket is pinged at a third of that.
        int idle = config.limits().idleSeconds();
        p.addLast("idle", new IdleStateHandler(idle, Math.max(1, idle / 3), 0));
        // 3. HTTP/1.1 with bounded request line and headers.
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192));
        // 4. Whole requests only, body bounded (413 beyond it).
        p.addLast("aggregator", new HttpObjectAggregator(config.limits().maxBodyBytes()));
        // 5. Routing; store calls go to the blocking executor. Replaced by the WebSocket handler on upgrade.
        p.addLast("relay", new RelayHandler(service, blocking, config.legacyEndpoints(), config.sslContext() != null));
    }
}
