package org.otpi.appliance.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.tinylog.Logger;

/**
 * The tunnel's UDP socket on Netty: epoll on Linux, NIO elsewhere; large socket buffers; bounded
 * outbound queue (datagrams beyond it are dropped, as a router would).
 *
 * <p>Received datagrams are handled on the channel's event loop (one per socket; one peer is one
 * flow). Sending is thread-safe.
 */
public final class NettyUdp implements Udp {

    private final InetSocketAddress bind;
    private final int threads;
    private EventLoopGroup group;
    private Channel channel;
    private volatile IoRegistration watched;
    private final LongAdder dropped = new LongAdder();
    private final int maxDatagram;
    private final Queue<DatagramPacket> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger pendingCount = new AtomicInteger();

    /**
     * @param maxDatagram largest datagram expected (MTU + 48 and some slack): with epoll, received
     *     datagrams are read in batches ({@code recvmmsg}) into slots of this size
     */
    public NettyUdp(InetSocketAddress bind, int threads, int maxDatagram) {
        this.bind = bind;
        this.threads = threads;
        this.maxDatagram = maxDatagram;
    }

    public NettyUdp(InetSocketAddress bind, int threads) {
        this(bind, threads, 0);
    }

    /** True if this JVM uses the epoll transport. */
    public static boolean epoll() {
        return Epoll.isAvailable();
    }

    @Override
    public void start(Receiver receiver) throws IOException {
        boolean epoll = epoll();
        group = new MultiThreadIoEventLoopGroup(threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, ProtocolConstants.SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, ProtocolConstants.SOCKET_BUFFER_BYTES)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                        epoll && maxDatagram > 0 ? maxDatagram * 32 : 65536))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                        ByteBuf content = msg.content();
                        int len = content.readableBytes();
                        byte[] data = new byte[len];
                        content.getBytes(content.readerIndex(), data);
                        receiver.onDatagram(msg.sender(), data, 0, len);
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        Logger.warn("udp: {}", cause.toString());
                    }
                });
        if (epoll && maxDatagram > 0) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram); // recvmmsg batches
        }
        try {
            channel = b.bind(bind).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + bind, e);
        } catch (RuntimeException e) {
            group.shutdownGracefully();
            throw new IOException("cannot bind " + bind + ": " + e.getMessage(), e);
        }
        Logger.info("udp bound {} ({} transport, rcvbuf {}, sndbuf {})", channel.localAddress(), epoll ? "epoll" : "nio",
                channel.config().getOption(ChannelOption.SO_RCVBUF), channel.config().getOption(ChannelOption.SO_SNDBUF));
    }

    /**
     * Queues the datagram and has the event loop write everything queued with one flush, which
     * epoll turns into {@code sendmmsg} batches. Beyond 4096 queued datagrams we drop.
     */
    @Override
    public void send(InetSocketAddress to, byte[] data, int offset, int length) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        if (!ch.isWritable() || pendingCount.get() >= 4096) {
            dropped.increment();
            return;
        }
        pending.add(new DatagramPacket(Unpooled.wrappedBuffer(data, offset, length), to));
        pendingCount.incrementAndGet();
        if (drainScheduled.compareAndSet(false, true)) {
            ch.eventLoop().execute(this::drain);
        }
    }

    private void drain() {
        drainScheduled.set(false);
        Channel ch = channel;
        DatagramPacket p;
        int n = 0;
        while ((p = pending.poll()) != null) {
            pendingCount.decrementAndGet();
            ch.write(p, ch.voidPromise());
            n++;
        }
        if (n > 0) {
            ch.flush();
        }
    }

    /**
     * Epoll only: watches {@code fd} for readability on this socket's event loop and runs
     * {@code onReadable} there, so whatever it sends needs no hand-off to another thread (use
     * {@link #sendInLoop} and {@link #flushInLoop}). Returns false if not possible (NIO).
     */
    boolean watch(int fd, Runnable onReadable) {
        Channel ch = channel;
        if (ch == null || !(ch.eventLoop() instanceof IoEventLoop loop) || !loop.isCompatible(EpollIoHandle.class)) {
            return false;
        }
        FileDescriptor descriptor = new FileDescriptor(fd);
        EpollIoHandle handle = new EpollIoHandle() {
            @Override
            public FileDescriptor fd() {
                return descriptor;
            }

            @Override
            public void handle(IoRegistration registration, IoEvent event) {
                onReadable.run();
            }

            @Override
            public void close() {
                // the TUN owns the descriptor
            }
        };
        IoRegistration reg = loop.register(handle).syncUninterruptibly().getNow();
        reg.submit(EpollIoOps.EPOLLIN); // level-triggered: called again while packets wait
        watched = reg;
        return true;
    }

    /** On the event loop only: queues a datagram without flushing. */
    void sendInLoop(InetSocketAddress to, byte[] data, int offset, int length) {
        Channel ch = channel;
        if (!ch.isWritable()) {
            dropped.increment();
            return;
        }
        ch.write(new DatagramPacket(Unpooled.wrappedBuffer(data, offset, length), to), ch.voidPromise());
    }

    /** On the event loop only: sends what {@link #sendInLoop} queued (sendmmsg batches on epoll). */
    void flushInLoop() {
        channel.flush();
    }

    /** Datagrams dropped because the outbound queue was full. */
    public long dropped() {
        return dropped.sum();
    }

    @Override
    public InetSocketAddress localAddress() {
        Channel ch = channel;
        return ch != null ? (InetSocketAddress) ch.localAddress() : bind;
    }

    @Override
    public void close() {
        IoRegistration w = watched;
        if (w != null && channel != null) {
            channel.eventLoop().submit(() -> w.cancel()).syncUninterruptibly();
        }
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
