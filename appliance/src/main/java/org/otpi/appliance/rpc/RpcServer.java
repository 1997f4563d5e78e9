package org.otpi.appliance.rpc;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.otpi.appliance.approval.Approver;
import org.tinylog.Logger;

/**
 * The device RPC server (DESIGN section 7): HTTP/1.1 + JSON under {@code /api/v1}, bound only to
 * the configured address. See {@link RpcInitializer} for the pipeline and {@link RpcHandler} for
 * the operations.
 */
public final class RpcServer implements AutoCloseable {
    private final RpcConfig config;
    private final RpcContext context;
    private EventLoopGroup boss;
    private EventLoopGroup io;
    private Channel channel;

    public RpcServer(RpcConfig config, DeviceService device, Approver approver, ClientRegistry clients,
                     PairingDisplay display) {
        this.config = Objects.requireNonNull(config, "config");
        ExecutorService workers = Executors.newFixedThreadPool(4, named("otpi-rpc-worker"));
        ExecutorService files = Executors.newFixedThreadPool(RpcContext.FILE_STREAMS, named("otpi-rpc-file"));
        this.context = new RpcContext(config, Objects.requireNonNull(device, "device"),
                Objects.requireNonNull(approver, "approver"), Objects.requireNonNull(clients, "clients"),
                new PairingManager(clients, display, Clock.systemUTC()), workers, files);
    }

    /**
     * Says whether the device has a screen (a kiosk). Without one (buttons only, the default),
     * messages from a contact set to "read on the device" are refused as {@code no_screen}.
     */
    public RpcServer screen(boolean present) {
        context.screen = present;
        return this;
    }

    /** Binds and starts serving; returns the bound address (useful with port 0). */
    public synchronized InetSocketAddress start() throws InterruptedException {
        if (channel != null) {
            throw new IllegalStateException("already started");
        }
        IoHandlerFactory factory = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> type = Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        boss = new MultiThreadIoEventLoopGroup(1, factory);
        io = new MultiThreadIoEventLoopGroup(config.ioThreads(), factory);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, io)
                .channel(type)
                .option(ChannelOption.SO_BACKLOG, 1024);
        if (Epoll.isAvailable()) {
            // On the device the RPC binds the laptop link's address, which systemd-networkd may
            // assign a moment after the appliance starts: bind now, serve once it exists. It is
            // still that one address and nothing else.
            bootstrap.option(EpollChannelOption.IP_FREEBIND, true);
        }
        channel = bootstrap
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new RpcInitializer(context))
                .bind(new InetSocketAddress(config.bind(), config.port()))
                .sync()
                .channel();
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        Logger.info("OTPi device RPC listening on {} (only)", local);
        return local;
    }

    /** The address the server is bound to. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Connections currently open. */
    public int connections() {
        return context.connections.get();
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        context.workers.shutdownNow();
        context.fileWorkers.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
