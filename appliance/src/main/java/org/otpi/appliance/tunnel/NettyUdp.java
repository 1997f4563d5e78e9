package org.otpi.appliance.tunnel;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.tinylog.Logger;

/**
 * The tunnel's UDP socket on Netty: epoll on Linux, NIO elsewhere; large socket buffers (forced
 * past {@code net.core.[rw]mem_max} when we may); bounded outbound queue (datagrams beyond it are
 * dropped, as a router would).
 *
 * <p>With offloads on epoll: UDP GSO ({@code UDP_SEGMENT}, Netty's {@code SegmentedDatagramPacket})
 * sends a run of equal-sized datagrams with one {@code sendmsg}; UDP GRO ({@code UDP_GRO})
 * receives a run of them with one {@code recvmsg} (Netty hands them to us one by one). Where the
 * kernel lacks either, datagrams go one by one ({@code sendmmsg}/{@code recvmmsg} batches); if a
 * GSO send is refused (EIO: a device without checksum offload on older kernels; EINVAL), GSO is
 * switched off and those datagrams are sent again one by one.
 *
 * <p>Received datagrams are handled on the channel's event loop (one per socket; one peer is one
 * flow). Sending is thread-safe.
 */
public final class NettyUdp implements Udp {

    /** The kernel's limit of segments per UDP GSO send (UDP_MAX_SEGMENTS, 64 before Linux 6.x). */
    static final int GSO_MAX_SEGMENTS = 64;
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int ERRNO_EIO = 5;
    private static final int ERRNO_EINVAL = 22;

    /** setsockopt for the *BUFFORCE options (CAP_NET_ADMIN may go past the sysctl caps). */
    static final class Sockopt {
        static {
            com.sun.jna.Native.register("c");
        }

        private Sockopt() {
        }

        static native int setsockopt(int fd, int level, int name, int[] value, int len);
    }

    private final InetSocketAddress bind;
    private final int threads;
    private EventLoopGroup group;
    private Channel channel;
    private final LongAdder dropped = new LongAdder();
    private final int maxDatagram;
    private final Queue<DatagramPacket> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicInteger pendingCount = new AtomicInteger();
    private final boolean offload;
    private volatile boolean gso;
    private boolean gro;
    private final LongAdder gsoSends = new LongAdder();

    /**
     * @param maxDatagram largest datagram expected (MTU + 48 and some slack): with epoll, received
     *     datagrams are read in batches ({@code recvmmsg}) into slots of this size
     */
    public NettyUdp(InetSocketAddress bind, int threads, int maxDatagram) {
        this(bind, threads, maxDatagram, false);
    }

    /** @param offload use UDP GSO and GRO where the kernel has them (epoll only) */
    public NettyUdp(InetSocketAddress bind, int threads, int maxDatagram, boolean offload) {
        this.bind = bind;
        this.threads = threads;
        this.maxDatagram = maxDatagram;
        this.offload = offload;
    }

    public NettyUdp(InetSocketAddress bind, int threads) {
        this(bind, threads, 0);
    }

    /** True while sends use UDP GSO. */
    boolean gso() {
        return gso;
    }

    /** True if the socket receives with UDP GRO. */
    boolean gro() {
        return gro;
    }

    /** Sends that carried more than one datagram (GSO). */
    long gsoSends() {
        return gsoSends.sum();
    }

    /** True if this JVM uses the epoll transport. */
    public static boolean epoll() {
        return Epoll.isAvailable();
    }

    @Override
    public void start(Receiver receiver) throws IOException {
        boolean epoll = epoll();
        boolean useGro = offload && epoll;
        group = new MultiThreadIoEventLoopGroup(threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        // With GRO one read may hold a run of datagrams up to 64 KiB, and only Netty's recvmsg
        // path (one buffer per read) reads its segment size: one 64 KiB buffer per read then.
        int payload = useGro ? 65535 : maxDatagram;
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, ProtocolConstants.SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, ProtocolConstants.SOCKET_BUFFER_BYTES)
                // Keep reading until the socket is empty (up to 16 reads), even when a read did
                // not fill its buffer: one batch then holds many datagrams for the GRO writer.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                        epoll && payload > 0 ? payload * (useGro ? 1 : 32) : 65536).respectMaybeMoreData(false))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4 << 20, 8 << 20))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                        ByteBuf content = msg.content();
                        int from = content.readerIndex();
                        int len = content.readableBytes();
                        // A GRO run arrives whole, with its segment size (UDP_GRO cmsg): cut it.
                        int seg = msg instanceof io.netty.channel.unix.SegmentedDatagramPacket sp
                                && sp.segmentSize() > 0 ? sp.segmentSize() : len;
                        for (int o = 0; o < len; o += seg) {
                            receiver.onDatagram(msg.sender(), content.nioBuffer(from + o, Math.min(seg, len - o)));
                        }
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        receiver.onBatchEnd();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        Logger.warn("udp: {}", cause.toString());
                    }
                });
        if (epoll && payload > 0) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload); // recvmmsg batches
        }
        if (useGro) {
            b.option(EpollChannelOption.UDP_GRO, true); // refused by old kernels: Netty logs it, we check below
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
        if (channel instanceof EpollDatagramChannel ec) {
            forceBuffers(ec.fd().intValue());
            gro = useGro && Boolean.TRUE.equals(ec.config().getOption(EpollChannelOption.UDP_GRO));
            gso = offload && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        }
        Logger.info("udp bound {} ({} transport, rcvbuf {}, sndbuf {}, GSO {}, GRO {})", channel.localAddress(),
                epoll ? "epoll" : "nio", channel.config().getOption(ChannelOption.SO_RCVBUF),
                channel.config().getOption(ChannelOption.SO_SNDBUF), gso ? "on" : "off", gro ? "on" : "off");
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

    /**
     * Asks for {@link ProtocolConstants#SOCKET_BUFFER_BYTES} with SO_RCVBUFFORCE/SO_SNDBUFFORCE,
     * which may exceed net.core.rmem_max/wmem_max (4 MiB here: too little for a burst at a
     * Gbit/s, whose overflow TCP inside the tunnel sees as loss). Without CAP_NET_ADMIN the
     * capped sizes stay.
     */
    private static void forceBuffers(int fd) {
        int[] size = {ProtocolConstants.SOCKET_BUFFER_BYTES};
        try {
            Sockopt.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4);
            Sockopt.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4);
        } catch (LinkageError e) {
            Logger.debug("setsockopt unavailable: {}", e.toString());
        }
    }

    /** The socket's descriptor (epoll only; tests). */
    int fd() {
        return ((EpollDatagramChannel) channel).fd().intValue();
    }

    /** Runs {@code r} on this socket's event loop, later. */
    void executeInLoop(Runnable r) {
        channel.eventLoop().execute(r);
    }

    /** A pooled direct buffer (any thread). */
    ByteBuf alloc(int capacity) {
        return channel.alloc().directBuffer(capacity, capacity);
    }

    /** Runs {@code r} on this socket's event loop and waits for it (tests). */
    void runInLoop(Runnable r) {
        channel.eventLoop().submit(r).syncUninterruptibly();
    }

    /**
     * On the event loop only: queues the first {@code count} sealed datagrams of {@code batch}
     * (back to back in {@code arena}) for {@code to}, runs of equal size as one GSO send each,
     * and takes over {@code arena} (releases it). Does not flush.
     */
    void sendBatchInLoop(InetSocketAddress to, ByteBuf arena, TxBatch batch, int count) {
        Channel ch = channel;
        try {
            if (!ch.isWritable()) {
                dropped.add(count);
                return;
            }
            int maxBytes = to.getAddress() instanceof java.net.Inet6Address ? 65535 - 8 : 65535 - 20 - 8;
            int i = 0;
            while (i < count) {
                int run = gso ? gsoRun(batch, i, count, maxBytes) : 1;
                int off = batch.offsets[i];
                int seg = batch.datagramLength(i);
                int bytes = batch.offsets[i + run - 1] + batch.datagramLength(i + run - 1) - off;
                if (run == 1) {
                    ch.write(new DatagramPacket(arena.retainedSlice(off, bytes), to), ch.voidPromise());
                } else {
                    sendSegmented(ch, to, arena.retainedSlice(off, bytes), seg);
                }
                i += run;
            }
        } finally {
            arena.release();
        }
    }

    /**
     * How many datagrams from {@code from} one GSO send may carry: all of the first one's size,
     * except that the last may be shorter; at most {@link #GSO_MAX_SEGMENTS} and {@code maxBytes}.
     */
    static int gsoRun(TxBatch batch, int from, int count, int maxBytes) {
        int seg = batch.datagramLength(from);
        int bytes = seg;
        int j = from + 1;
        while (j < count && j - from < GSO_MAX_SEGMENTS) {
            int len = batch.datagramLength(j);
            if (len > seg || bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            j++;
            if (len < seg) {
                break; // a shorter one ends the run
            }
        }
        return j - from;
    }

    private void sendSegmented(Channel ch, InetSocketAddress to, ByteBuf run, int segmentSize) {
        run.retain(); // kept until the send is done, to send again one by one if GSO fails
        gsoSends.increment();
        ch.write(new io.netty.channel.epoll.SegmentedDatagramPacket(run, segmentSize, to)).addListener(f -> {
            try {
                if (f.isSuccess()) {
                    return;
                }
                int errno = errno(f.cause());
                if ((errno == ERRNO_EIO || errno == ERRNO_EINVAL) && gso) {
                    // EIO: a device without checksum offload (kernels before 6.3), an IPsec route;
                    // EINVAL: SO_NO_CHECK, or datagrams longer than the path allows.
                    gso = false;
                    Logger.warn("udp: GSO send refused ({}): GSO off, datagrams go one by one",
                            errno == ERRNO_EIO ? "EIO" : "EINVAL");
                }
                if (errno == ERRNO_EIO || errno == ERRNO_EINVAL) {
                    for (int o = run.readerIndex(); o < run.writerIndex(); o += segmentSize) {
                        int len = Math.min(segmentSize, run.writerIndex() - o);
                        ch.write(new DatagramPacket(run.retainedSlice(o, len), to), ch.voidPromise());
                    }
                    ch.flush();
                } else {
                    dropped.increment();
                    Logger.debug("udp: GSO send failed: {}", f.cause().toString());
                }
            } finally {
                run.release();
            }
        });
    }

    private static int errno(Throwable t) {
        if (t instanceof io.netty.channel.unix.Errors.NativeIoException e) {
            return -e.expectedErr();
        }
        String m = String.valueOf(t.getMessage());
        return m.contains("Input/output error") ? ERRNO_EIO : m.contains("Invalid argument") ? ERRNO_EINVAL : 0;
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

    /** On the event loop only: sends what was queued (sendmmsg batches on epoll). */
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
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
