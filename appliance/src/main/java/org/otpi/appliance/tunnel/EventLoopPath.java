package org.otpi.appliance.tunnel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The data path of one link on the UDP socket's epoll event loop, one thread for both directions,
 * so nothing is handed between threads and nothing is reordered:
 *
 * <pre>
 *  TUN readable:  read (a 64 KiB TCP super-packet with offloads) -> TsoSplitter (MTU-sized
 *                 packets, each in its datagram slot) -> TunnelSession.sealBatch (in place)
 *                 -> NettyUdp: runs of equal size as one UDP GSO send each -> flush
 *  UDP readable:  datagrams (a GRO run split by Netty) -> TunnelSession.openTo (straight into
 *                 this path's arena) -> GroCoalescer (joins a flow's consecutive segments)
 *                 -> TUN write, at the end of each socket batch
 * </pre>
 *
 * Not thread-safe: everything runs on the event loop. Handshake messages and anything that is not
 * a DATA datagram go to {@code slowPath} (TunnelPeer's own receiver).
 */
final class EventLoopPath implements Udp.Receiver {

    private static final int MAX_READS_PER_WAKEUP = 16;
    private static final int ARENA = 256 * 1024;
    private static final int RX_ARENA = 1024 * 1024;

    private final TunnelSession session;
    private final LinuxTun tun;
    private final NettyUdp udp;
    private final Supplier<InetSocketAddress> endpoint;
    private final BooleanSupplier mayRead;
    private final Runnable onSent;
    private final Udp.Receiver slowPath;
    private final TunnelStats stats;
    private final AtomicBoolean running;
    private final AtomicBoolean exhaustedLogged = new AtomicBoolean();
    private final boolean vnet;

    private final ByteBuffer tunIn = ByteBuffer.allocateDirect(VirtioNetHdr.SIZE + 65535 + 64).order(ByteOrder.BIG_ENDIAN);
    private final long tunInAddr = Pointer.nativeValue(Native.getDirectBufferPointer(tunIn));
    private final TxBatch batch = new TxBatch(ByteBuffer.allocate(0), 256);
    private ByteBuf arena;

    private final ByteBuffer rx = ByteBuffer.allocateDirect(RX_ARENA).order(ByteOrder.BIG_ENDIAN);
    private final long rxAddr = Pointer.nativeValue(Native.getDirectBufferPointer(rx));
    private int rxPos;
    private final GroCoalescer gro;
    private ByteBuffer lastSinkBuf;
    private long lastSinkAddr;

    EventLoopPath(TunnelSession session, LinuxTun tun, NettyUdp udp, Supplier<InetSocketAddress> endpoint,
            BooleanSupplier mayRead, Runnable onSent, Udp.Receiver slowPath, AtomicBoolean running) {
        this.session = session;
        this.tun = tun;
        this.udp = udp;
        this.endpoint = endpoint;
        this.mayRead = mayRead;
        this.onSent = onSent;
        this.slowPath = slowPath;
        this.stats = session.stats();
        this.running = running;
        this.vnet = tun.vnetHdr();
        this.gro = new GroCoalescer(vnet, this::writeTun);
    }

    // ---- TUN -> UDP ----

    /** The TUN is readable: up to 16 reads, then seal and send what they held with one flush. */
    void onTunReadable() {
        boolean sent = false;
        try {
            for (int i = 0; i < MAX_READS_PER_WAKEUP && running.get(); i++) {
                int n = tun.readNow(tunInAddr, tunIn.capacity());
                if (n < 0) {
                    break;
                }
                if (n == 0 || !mayRead.getAsBoolean()) {
                    continue; // nothing leaves before the peer has told us where to resume
                }
                int off = vnet ? VirtioNetHdr.SIZE : 0;
                if (n <= off) {
                    stats.tunMalformed.increment();
                    continue;
                }
                VirtioNetHdr h = vnet ? VirtioNetHdr.read(tunIn, 0) : VirtioNetHdr.NONE;
                if (arena == null) {
                    newArena();
                }
                int r = TsoSplitter.split(tunIn, off, n - off, h, batch);
                if (r == TsoSplitter.NO_ROOM) {
                    sent |= sendBatch();
                    newArena();
                    r = TsoSplitter.split(tunIn, off, n - off, h, batch);
                }
                if (r < 0) {
                    stats.tunMalformed.increment();
                }
            }
            sent |= sendBatch();
        } catch (IOException | RuntimeException e) {
            stats.sendErrors.increment();
            Logger.error(e, "tunnel send failed");
            releaseArena();
        }
        if (sent) {
            udp.flushInLoop();
            onSent.run();
        }
    }

    private void newArena() {
        arena = udp.allocInLoop(ARENA);
        batch.reset(arena.nioBuffer(0, ARENA));
    }

    private void releaseArena() {
        if (arena != null) {
            arena.release();
            arena = null;
        }
    }

    /** Seals and queues the batch; returns true if anything was queued. */
    private boolean sendBatch() throws IOException {
        ByteBuf a = arena;
        if (a == null) {
            return false;
        }
        if (batch.count == 0) {
            releaseArena();
            return false;
        }
        int n;
        try {
            n = session.sealBatch(batch);
        } catch (KeyMaterialExhaustedException e) {
            if (exhaustedLogged.compareAndSet(false, true)) {
                Logger.tag("security").error("tunnel key material exhausted: {}. Nothing more is sent.", e.getMessage());
            }
            releaseArena();
            return false;
        } catch (IOException | RuntimeException e) {
            releaseArena();
            throw e;
        }
        arena = null;
        udp.sendBatchInLoop(endpoint.get(), a, batch, n); // takes the arena over
        return true;
    }

    // ---- UDP -> TUN ----

    @Override
    public void onDatagram(InetSocketAddress from, byte[] data, int offset, int length) {
        slowPath.onDatagram(from, data, offset, length);
    }

    @Override
    public void onDatagram(InetSocketAddress from, ByteBuffer data) {
        int off = data.position();
        int len = data.remaining();
        if (!WireFormat.isData(data, off, len)) {
            Udp.Receiver.super.onDatagram(from, data); // handshake or junk: the byte[] path sorts it out
            return;
        }
        if (!from.getAddress().equals(endpoint.get().getAddress())) {
            stats.foreignSource.increment();
            return;
        }
        int plain = len - ProtocolConstants.HEADER_SIZE - ProtocolConstants.AEAD_TAG_SIZE;
        int at = rxPos + VirtioNetHdr.SIZE;
        try {
            if (plain > 0 && at + plain > rx.capacity()) {
                gro.flush();
                rxPos = 0;
                at = VirtioNetHdr.SIZE;
            }
            TunnelSession.Verdict v = session.openTo(data, off, len, rx, plain > 0 ? at : 0);
            if (v == TunnelSession.Verdict.OK && plain > 0) {
                gro.add(rx, at, plain);
                rxPos = (at + plain + 7) & ~7;
            }
        } catch (IOException | RuntimeException e) {
            Logger.error(e, "tunnel receive failed");
        }
    }

    @Override
    public void onBatchEnd() {
        try {
            gro.flush();
        } catch (IOException | RuntimeException e) {
            Logger.error(e, "tunnel TUN write failed");
        }
        rxPos = 0;
    }

    private void writeTun(ByteBuffer buf, int off, int len) throws IOException {
        long base;
        if (buf == rx) {
            base = rxAddr;
        } else {
            if (buf != lastSinkBuf) {
                lastSinkBuf = buf;
                lastSinkAddr = Pointer.nativeValue(Native.getDirectBufferPointer(buf));
            }
            base = lastSinkAddr;
        }
        if (!tun.writeNow(base + off, len)) {
            stats.tunDrops.increment();
        }
    }

    /** Segments joined by GRO and TUN writes so far (for the stats line). */
    String groSummary() {
        return "groJoined=" + gro.packetsJoined() + " tunWrites=" + gro.writes() + " gsoSends=" + udp.gsoSends();
    }
}
