package org.otpi.relay;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.otpi.relay.store.RelayStore;
import org.tinylog.Logger;

/**
 * The untrusted relay: HTTP/1.1 + JSON under {@code /api/v1}, WebSocket push at
 * {@code /api/v1/ws}, the paper's plain endpoints, optional TLS. Pipeline in
 * {@link RelayInitializer}, request logic in {@link RelayHandler} and {@link RelayService}.
 *
 * <p>The caller owns the store: {@link #close()} stops the server, not the store.
 */
public final class RelayServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ThreadPoolExecutor blocking;
    private final ScheduledExecutorService housekeeping;
    private final Channel channel;
    private final RelayService service;
    private final ConnectionGate gate;
    private final boolean tls;

    private RelayServer(EventLoopGroup boss, EventLoopGroup workers, ThreadPoolExecutor blocking,
                        ScheduledExecutorService housekeeping, Channel channel, RelayService service, ConnectionGate gate,
                        boolean tls) {
        this.boss = boss;
        this.workers = workers;
        this.blocking = blocking;
        this.housekeeping = housekeeping;
        this.channel = channel;
        this.service = service;
        this.gate = gate;
        this.tls = tls;
    }

    /** Binds and starts serving; returns once the port is open. */
    public static RelayServer start(RelayConfig config, RelayStore store) throws InterruptedException {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channelType = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.ioThreads(), io);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor blocking = new ThreadPoolExecutor(config.workerThreads(), config.workerThreads(),
                60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(20_000), r -> {
                    Thread t = new Thread(r, "relay-worker-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        AtomicInteger h = new AtomicInteger();
        // three threads: presence and purges, the readiness probe (may wait on a dead database), limit sync
        ScheduledExecutorService housekeeping = Executors.newScheduledThreadPool(3, r -> {
            Thread t = new Thread(r, "relay-housekeeping-" + h.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        RelayService service = new RelayService(store, config.limits(), config.deliveryFilter(), config.registration());
        service.probeStore();
        ConnectionGate gate = new ConnectionGate(config.limits().maxConnections(), config.limits().maxConnectionsPerAddress(),
                TrustedProxies.parse(config.trustedProxies()));
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channelType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new RelayInitializer(config, service, blocking, gate));
            Channel ch = b.bind(config.bindAddress(), config.port()).sync().channel();
            every(housekeeping, 5_000, "housekeeping", service::housekeeping);
            every(housekeeping, 1_000, "readiness probe", service::probeStore);
            every(housekeeping, 600_000, "idempotency key purge", service::purgeIdempotencyKeys);
            if (store.sharesLimits()) {
                every(housekeeping, config.sharedLimitSyncMillis(), "shared rate limits", service::syncSharedLimits);
            }
            Logger.info("relay listening on {} ({}, {}, legacy endpoints {}, registration {}, trusted proxies {})",
                    ch.localAddress(), config.sslContext() != null ? "TLS" : "plain HTTP", epoll ? "epoll" : "nio",
                    config.legacyEndpoints() ? "on" : "off", config.registration().name().toLowerCase(),
                    config.trustedProxies().isEmpty() ? "none" : String.join(",", config.trustedProxies()));
            return new RelayServer(boss, workers, blocking, housekeeping, ch, service, gate, config.sslContext() != null);
        } catch (Throwable e) {
            // includes a BindException, which Netty's sync() rethrows unchecked
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            blocking.shutdownNow();
            housekeeping.shutdownNow();
            throw e;
        }
    }

    private static void every(ScheduledExecutorService ex, long millis, String what, Runnable r) {
        ex.scheduleWithFixedDelay(() -> {
            try {
                r.run();
            } catch (RuntimeException e) {
                Logger.warn("relay {} failed: {}", what, e.getMessage());
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** {@code http://host:port} (or https) to hand to a client. */
    public URI uri() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create((tls ? "https" : "http") + "://" + host + ":" + a.getPort());
    }

    /** Live WebSocket sessions on this node. */
    public int liveSessions() {
        return service.hub().sessionCount();
    }

    RelayService service() {
        return service;
    }

    /** Open connections on this node. */
    public int openConnections() {
        return gate.open();
    }

    /** True while the store answers (what {@code /api/v1/health/ready} reports). */
    public boolean ready() {
        return service.ready();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // Live subscribers hear that the node is going away (1001) and reconnect elsewhere,
        // rather than finding out from a dead socket whenever their side notices it.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (io.netty.util.concurrent.Future<?> closed : service.hub().all().stream()
                .map(PushHub.Session::goingAway).toList()) {
            closed.awaitUninterruptibly(Math.max(0, (end - System.nanoTime()) / 1_000_000));
        }
        housekeeping.shutdownNow();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(5, TimeUnit.SECONDS)) {
                blocking.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            blocking.shutdownNow();
        }
    }
}
