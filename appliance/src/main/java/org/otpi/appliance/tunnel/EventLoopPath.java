package org.otpi.appliance.tunnel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * The data path of one link, in two pipelines of two stages each, handing whole batches (not
 * packets) from one thread to the next through FIFO queues, so nothing is reordered:
 *
 * <pre>
 *  reader thread:  TUN read (a 64 KiB TCP super-packet with offloads) -> TsoSplitter
 *                  (MTU-sized packets, each in its datagram slot) -> TunnelSession.sealBatch
 *  event loop:     NettyUdp: runs of equal size as one UDP GSO send each -> flush
 *
 *  event loop:     datagrams (a GRO run) -> TunnelSession.openTo (into this path's arena)
 *                  -> GroCoalescer (joins a flow's consecutive segments), copied out per batch
 *  writer thread:  TUN writes
 * </pre>
 *
 * The kernel's work for a TUN write (the receiving TCP stack) and for a UDP send (UDP, IP, the
 * veth or NIC) then runs beside the crypto instead of after it. Handshake messages and anything
 * that is not a DATA datagram go to {@code slowPath} (TunnelPeer's own receiver).
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
    private TxBatch batch = new TxBatch(ByteBuffer.allocate(0), 256);
    private ByteBuf arena;
    /** Sealed batches handed to the event loop and not yet sent: at most this many. */
    private final Semaphore txInFlight = new Semaphore(8);

    private static final int WRITE_BUFFERS = 256;
    private final BlockingQueue<ByteBuffer> freeWriteBuffers = new ArrayBlockingQueue<>(WRITE_BUFFERS);
    private final BlockingQueue<List<ByteBuffer>> writeQueue = new ArrayBlockingQueue<>(64);
    private List<ByteBuffer> pendingWrites = new ArrayList<>();

    private final ByteBuffer rx = ByteBuffer.allocateDirect(RX_ARENA).order(ByteOrder.BIG_ENDIAN);
    private int rxPos;
    private final GroCoalescer gro;

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
        this.gro = new GroCoalescer(vnet, this::queueWrite);
        for (int i = 0; i < WRITE_BUFFERS; i++) {
            freeWriteBuffers.add(ByteBuffer.allocateDirect(VirtioNetHdr.SIZE + 65535 + 64).order(ByteOrder.BIG_ENDIAN));
        }
    }

    /** Starts the TUN reader and writer threads. */
    void start() {
        Thread reader = new Thread(this::readLoop, "tunnel-tun-reader");
        Thread writer = new Thread(this::writeLoop, "tunnel-tun-writer");
        for (Thread t : new Thread[] {reader, writer}) {
            t.setDaemon(true);
            t.start();
        }
    }

    private void readLoop() {
        while (running.get()) {
            tun.waitReadable();
            if (running.get()) {
                onTunReadable();
            }
        }
    }

    private void writeLoop() {
        while (running.get() || !writeQueue.isEmpty()) {
            List<ByteBuffer> batchOfWrites;
            try {
                batchOfWrites = writeQueue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (batchOfWrites == null) {
                continue;
            }
            for (ByteBuffer b : batchOfWrites) {
                try {
                    if (running.get() && !tun.writeNow(addressOf(b), b.limit())) {
                        stats.tunDrops.increment();
                    }
                } catch (IOException | RuntimeException e) {
                    Logger.error(e, "tunnel TUN write failed");
                }
                freeWriteBuffers.offer(b);
            }
        }
    }

    private static final java.util.Map<ByteBuffer, Long> ADDRESSES =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private static long addressOf(ByteBuffer b) {
        Long a = ADDRESSES.get(b);
        if (a == null) {
            a = Pointer.nativeValue(Native.getDirectBufferPointer(b));
            ADDRESSES.put(b, a);
        }
        return a;
    }

    // ---- TUN -> UDP ----

    /** The TUN is readable (reader thread): up to 16 reads, sealed and handed to the event loop. */
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
            onSent.run();
        }
    }

    private void newArena() {
        arena = udp.alloc(ARENA);
        batch = new TxBatch(arena.nioBuffer(0, ARENA), 256); // the old one went to the event loop
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
        TxBatch sealed = batch;
        InetSocketAddress to = endpoint.get();
        try {
            // the event loop is behind: wait (the TUN queue absorbs, or drops)
            while (!txInFlight.tryAcquire(200, TimeUnit.MILLISECONDS)) {
                if (!running.get()) {
                    a.release();
                    return false;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            a.release();
            return false;
        }
        udp.executeInLoop(() -> {
            try {
                udp.sendBatchInLoop(to, a, sealed, n); // takes the arena over
                udp.flushInLoop();
            } finally {
                txInFlight.release();
            }
        });
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
        if (!pendingWrites.isEmpty()) {
            // The writer is behind: wait for it a little (the socket's 8 MiB buffer holds what
            // arrives meanwhile), then drop the batch, as a full TUN queue would.
            if (offerQuietly(writeQueue, pendingWrites)) {
                pendingWrites = new ArrayList<>();
            } else {
                stats.tunDrops.add(pendingWrites.size());
                freeWriteBuffers.addAll(pendingWrites);
                pendingWrites.clear();
            }
        }
    }

    private static <T> boolean offerQuietly(BlockingQueue<T> q, T item) {
        try {
            return q.offer(item, 100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** GroCoalescer's sink (event loop): copies the write out for the writer thread. */
    private void queueWrite(ByteBuffer buf, int off, int len) {
        ByteBuffer b = freeWriteBuffers.poll();
        if (b == null && !pendingWrites.isEmpty() && offerQuietly(writeQueue, pendingWrites)) {
            pendingWrites = new ArrayList<>(); // hand over what we have, then wait for a buffer
        }
        if (b == null) {
            try {
                b = freeWriteBuffers.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (b == null) {
            stats.tunDrops.increment();
            return;
        }
        b.clear();
        b.put(0, buf, off, len);
        b.limit(len);
        pendingWrites.add(b);
    }

    /** Segments joined by GRO and TUN writes so far (for the stats line). */
    String groSummary() {
        return "groJoined=" + gro.packetsJoined() + " tunWrites=" + gro.writes() + " gsoSends=" + udp.gsoSends();
    }
}
