package org.otpi.appliance.rpc;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import org.otpi.protocol.rpc.RpcPaths;
import org.tinylog.Logger;

/** The per-connection pipeline, in order. Every stage is bounded. */
final class RpcInitializer extends ChannelInitializer<SocketChannel> {
    /** Request line and headers are small: nothing legitimate comes near these. */
    static final int MAX_INITIAL_LINE = 2048;
    static final int MAX_HEADERS = 8192;
    static final int MAX_CHUNK = 16 * 1024;

    private final RpcContext rpc;

    RpcInitializer(RpcContext rpc) {
        this.rpc = rpc;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        // 0. Connection cap: past it, close at once (the daemon keeps answering the others).
        if (rpc.connections.incrementAndGet() > rpc.config.maxConnections()) {
            rpc.connections.decrementAndGet();
            Logger.tag("security").warn("connection limit {} reached: closing {}", rpc.config.maxConnections(), ch.remoteAddress());
            ch.close();
            return;
        }
        ch.closeFuture().addListener(f -> rpc.connections.decrementAndGet());
        configure(ch.pipeline(), rpc);
    }

    /** The HTTP stages (also used by the EmbeddedChannel codec tests). */
    static void configure(ChannelPipeline p, RpcContext rpc) {
        // 1. HTTP/1.1 framing with bounded request line, headers and chunks.
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, MAX_CHUNK));
        // 2. Deadlines: a request must arrive whole within the request timeout (slowloris).
        p.addLast("deadlines", new ConnectionDeadlines(rpc.config.requestTimeout().toMillis()));
        // 3. Streamed file bodies are taken off here, before aggregation.
        p.addLast("files", new FileStreamHandler(rpc));
        // 4. Everything else is a small JSON body, aggregated up to a hard limit (413 beyond).
        p.addLast("aggregate", new HttpObjectAggregator(RpcPaths.MAX_JSON_BODY, true));
        // 5. Operations.
        p.addLast("rpc", new RpcHandler(rpc));
    }
}
