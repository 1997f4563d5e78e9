package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;

/**
 * One running link: TUN to UDP and back through a {@link TunnelSession}.
 *
 * <p>On Linux with epoll and {@code cryptoThreads = 0} (the default) the data path is an
 * {@link EventLoopPath}: a TUN reader thread (TSO super-packets with offloads, batch sealing),
 * the UDP socket's event loop (GSO sends, GRO receives, opening, coalescing) and a TUN writer
 * thread, handing batches over in order. Otherwise (in-memory fakes, or a crypto pool) the send path is one thread reading
 * packets from the TUN (several readers would reorder a TCP flow, which TCP punishes); it seals
 * and sends them itself, or hands sealing to a pool of {@code cryptoThreads} workers while a
 * sender thread sends the results in read order. Receive path (on the UDP socket's event loop): handshake messages go to
 * {@link Handshake}; data from any address but the peer's is dropped and counted; the rest is
 * opened (inline, or on the pool with a writer thread keeping arrival order) and written to the
 * TUN (an empty packet is a keepalive). A timer thread runs
 * {@link TunnelTimers}: handshake retries, keepalives and the stats line every 10 s.
 *
 * <p>The peer's address is checked by IP, as in the note (a NAT may change the port); it moves
 * only after a verified, fresh handshake.
 */
public final class TunnelPeer implements AutoCloseable {

    /** Tunables of one peer. */
    public record Options(int cryptoThreads, boolean keepalive, long keepaliveMillis, long statsMillis,
            long rehandshakeMillis) {
        /**
         * 0: the batch data path with the offloads ({@link EventLoopPath}). A pool is still there
         * for cores without libsodium, but runs without offloads.
         */
        public static int defaultCryptoThreads() {
            return 0;
        }

        public static Options defaults() {
            return new Options(defaultCryptoThreads(), true,
                    ProtocolConstants.KEEPALIVE_INTERVAL_MILLIS, ProtocolConstants.STATS_INTERVAL_MILLIS, 120_000);
        }
    }

    private final TunnelSession session;
    private final Tun tun;
    private final Udp udp;
    private final Handshake handshake;
    private final Options options;
    private final TunnelStats stats;
    private final TunnelTimers timers;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean exhaustedLogged = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final ExecutorService workers;
    private final BlockingQueue<CompletableFuture<byte[]>> txQueue = new ArrayBlockingQueue<>(1024);
    private final BlockingQueue<CompletableFuture<TunnelSession.Opened>> rxQueue = new ArrayBlockingQueue<>(1024);
    private final ScheduledExecutorService timerThread;
    private volatile InetSocketAddress endpoint;
    private EventLoopPath fast;
    private long lastTxPackets;
    private long lastRejected;
    private long lastStatsAt;
    private boolean lowWarned;

    /**
     * @param handshake null for the note's plain data path (no handshake, no keepalives)
     */
    public TunnelPeer(TunnelSession session, Tun tun, Udp udp, InetSocketAddress peer, Handshake handshake,
            Options options) {
        this.session = session;
        this.tun = tun;
        this.udp = udp;
        this.endpoint = peer;
        this.handshake = handshake;
        this.options = options;
        this.stats = session.stats();
        this.timers = new TunnelTimers(System::currentTimeMillis, options.keepaliveMillis(),
                ProtocolConstants.HANDSHAKE_RETRY_MILLIS, options.rehandshakeMillis(), options.statsMillis());
        this.workers = options.cryptoThreads() > 0 ? Executors.newFixedThreadPool(options.cryptoThreads(), r -> {
            Thread t = new Thread(r, "tunnel-crypto");
            t.setDaemon(true);
            return t;
        }) : null;
        this.timerThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tunnel-timers");
            t.setDaemon(true);
            return t;
        });
    }

    public void start() throws IOException {
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        lastStatsAt = System.currentTimeMillis();
        if (workers == null && tun instanceof LinuxTun lt && udp instanceof NettyUdp nu && NettyUdp.epoll()) {
            fast = new EventLoopPath(session, lt, nu, () -> endpoint,
                    () -> handshake == null || timers.handshakeDone(), timers::onDataSent, this::onDatagram, running);
            udp.start(fast);
            fast.start();
            Logger.info("tunnel: batch data path (TUN reader, UDP event loop, TUN writer); offloads: TUN {}, UDP GSO {}, UDP GRO {}",
                    lt.vnetHdr() ? "TSO/GRO (flags 0x" + Integer.toHexString(lt.offloads()) + ")" : "off",
                    nu.gso() ? "on" : "off", nu.gro() ? "on" : "off");
        } else {
            udp.start(this::onDatagram);
            spawn(this::txLoop, "tunnel-tun-reader");
        }
        if (workers != null) {
            spawn(this::txSender, "tunnel-udp-sender");
            spawn(this::rxWriter, "tunnel-tun-writer");
        }
        timerThread.scheduleWithFixedDelay(this::tick, 0, 200, TimeUnit.MILLISECONDS);
        Logger.info("tunnel up: {} on {} <-> {} as {}, {} crypto threads, handshake {}", tun.name(), udp.localAddress(),
                endpoint, session.role(), options.cryptoThreads(), handshake != null ? "on" : "off");
    }

    private void spawn(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    public TunnelStats stats() {
        return stats;
    }

    /** The peer's current address. */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /** True once a handshake completed (always false without one). */
    public boolean handshakeDone() {
        return timers.handshakeDone();
    }

    private void txLoop() {
        byte[] buf = new byte[ProtocolConstants.MAX_PACKET];
        while (running.get()) {
            int n;
            try {
                n = tun.read(buf);
            } catch (IOException e) {
                if (running.get()) {
                    Logger.error(e, "TUN read failed");
                }
                return;
            }
            if (n < 0) {
                return;
            }
            if (n == 0) {
                continue;
            }
            if (handshake != null && !timers.handshakeDone()) {
                continue; // nothing leaves before the peer has told us where to resume
            }
            if (workers == null) {
                sendData(buf, n);
                continue;
            }
            byte[] packet = java.util.Arrays.copyOf(buf, n);
            try {
                txQueue.put(CompletableFuture.supplyAsync(() -> sealOrNull(packet), workers));
            } catch (InterruptedException e) {
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return; // closing
            }
        }
    }

    private byte[] sealOrNull(byte[] packet) {
        try {
            return session.seal(packet, 0, packet.length);
        } catch (KeyMaterialExhaustedException e) {
            if (exhaustedLogged.compareAndSet(false, true)) {
                Logger.tag("security").error("tunnel key material exhausted: {}. Nothing more is sent.", e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            stats.sendErrors.increment();
            Logger.error(e, "tunnel seal failed");
        }
        return null;
    }

    /** Sends sealed datagrams in the order their packets were read. */
    private void txSender() {
        while (running.get() || !txQueue.isEmpty()) {
            try {
                CompletableFuture<byte[]> f = txQueue.poll(200, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                byte[] d = f.join();
                if (d != null) {
                    udp.send(endpoint, d, 0, d.length);
                    timers.onDataSent();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                Logger.error(e, "tunnel send failed");
            }
        }
    }

    /** Writes opened packets to the TUN in the order their datagrams arrived. */
    private void rxWriter() {
        while (running.get()) {
            try {
                CompletableFuture<TunnelSession.Opened> f = rxQueue.poll(200, TimeUnit.MILLISECONDS);
                if (f == null) {
                    continue;
                }
                TunnelSession.Opened o = f.join();
                if (o != null && o.verdict() == TunnelSession.Verdict.OK && o.packet().length > 0) {
                    tun.write(o.packet(), 0, o.packet().length);
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                Logger.error(e, "tunnel TUN write failed");
            }
        }
    }

    private TunnelSession.Opened openOrNull(byte[] d, int off, int len) {
        try {
            return session.open(d, off, len);
        } catch (IOException | RuntimeException e) {
            Logger.error(e, "tunnel receive failed");
            return null;
        }
    }

    private void sendData(byte[] buf, int n) {
        try {
            byte[] d = session.seal(buf, 0, n);
            udp.send(endpoint, d, 0, d.length);
            timers.onDataSent();
        } catch (KeyMaterialExhaustedException e) {
            if (exhaustedLogged.compareAndSet(false, true)) {
                Logger.tag("security").error("tunnel key material exhausted: {}. Nothing more is sent.", e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            stats.sendErrors.increment();
            Logger.error(e, "tunnel send failed");
        }
    }

    private void onDatagram(InetSocketAddress from, byte[] d, int off, int len) {
        try {
            if (handshake != null && Handshake.isHandshake(d, off, len)) {
                onHandshake(from, d, off, len);
                return;
            }
            InetSocketAddress ep = endpoint;
            if (!from.getAddress().equals(ep.getAddress())) {
                stats.foreignSource.increment();
                return;
            }
            if (workers != null) {
                if (rxQueue.remainingCapacity() == 0) { // single producer: the event loop
                    stats.queueDrops.increment(); // receive queue full: dropped, as a router would
                    return;
                }
                byte[] copy = java.util.Arrays.copyOfRange(d, off, off + len);
                rxQueue.add(CompletableFuture.supplyAsync(() -> openOrNull(copy, 0, copy.length), workers));
                return;
            }
            TunnelSession.Opened o = session.open(d, off, len);
            if (o.verdict() == TunnelSession.Verdict.OK && o.packet().length > 0) {
                tun.write(o.packet(), 0, o.packet().length);
            }
        } catch (IOException | RuntimeException e) {
            Logger.error(e, "tunnel receive failed");
        }
    }

    private void onHandshake(InetSocketAddress from, byte[] d, int off, int len) {
        Handshake.Outcome o = handshake.onMessage(from, d, off, len, endpoint);
        if (o.reply() != null) {
            udp.send(from, o.reply(), 0, o.reply().length);
        }
        if (o.probe()) {
            sendHello(from);
        }
        if (o.completed()) {
            if (!o.verifiedEndpoint().equals(endpoint)) {
                Logger.tag("security").info("tunnel peer endpoint moves {} -> {} (verified handshake)", endpoint,
                        o.verifiedEndpoint());
                endpoint = o.verifiedEndpoint();
            }
            if (!timers.handshakeDone()) {
                Logger.info("tunnel handshake complete with {}", endpoint);
            }
            timers.onHandshakeComplete();
        }
    }

    private void sendHello(InetSocketAddress to) {
        byte[] hello = handshake.newHello();
        udp.send(to, hello, 0, hello.length);
        timers.onHandshakeSent();
    }

    private void tick() {
        try {
            TunnelTimers.Due due = timers.tick(handshake != null, handshake != null && options.keepalive());
            if (due.handshake()) {
                sendHello(endpoint);
            }
            if (due.keepalive() && (handshake == null || timers.handshakeDone())) {
                sendData(new byte[0], 0);
                stats.keepalives.increment();
            }
            if (due.stats()) {
                logStats();
            }
        } catch (RuntimeException e) {
            Logger.error(e, "tunnel timer failed");
        }
    }

    /** Logs the stats line, remaining key material and the estimate in days; warns before exhaustion. */
    void logStats() {
        long now = System.currentTimeMillis();
        long tx = stats.txPackets();
        double seconds = Math.max(0.001, (now - lastStatsAt) / 1000.0);
        double rate = (tx - lastTxPackets) / seconds;
        lastTxPackets = tx;
        lastStatsAt = now;
        long slots = session.txSlotsRemaining();
        long packetsLeft = slots * ProtocolConstants.PACKETS_PER_SLOT;
        double days = rate > 0 ? packetsLeft / rate / 86400.0 : Double.POSITIVE_INFINITY;
        Logger.info("tunnel stats: {} slotsRemaining={} packetsRemaining={} rate={}pps estDays={}{}", stats.line(), slots,
                packetsLeft, String.format(java.util.Locale.ROOT, "%.1f", rate),
                Double.isInfinite(days) ? "inf" : String.format(java.util.Locale.ROOT, "%.2f", days),
                fast != null ? " " + fast.groSummary() : "");
        long rejected = stats.authFailures() + stats.replays() + stats.malformed() + stats.foreignSource();
        if (rejected > lastRejected) {
            // One summary per period rather than one line per datagram: an attacker must not flood the log.
            Logger.tag("security").warn("tunnel rejected {} datagrams in the last {} s (totals: authFailures={} "
                    + "replays={} malformed={} foreignSource={})", rejected - lastRejected, Math.round(seconds),
                    stats.authFailures(), stats.replays(), stats.malformed(), stats.foreignSource());
        }
        lastRejected = rejected;
        boolean low = slots < ProtocolConstants.EXHAUSTION_WARNING_SLOTS
                || days < ProtocolConstants.EXHAUSTION_WARNING_DAYS;
        if (low && !lowWarned) {
            Logger.tag("security").warn("tunnel key material low: {} slots left (about {} days at the current rate)",
                    slots, Double.isInfinite(days) ? "inf" : String.format(java.util.Locale.ROOT, "%.1f", days));
        }
        lowWarned = low;
    }

    /** Stops threads, closes UDP and TUN, then the session (which records progress durably). */
    @Override
    public void close() throws IOException {
        if (!running.getAndSet(false)) {
            return;
        }
        timerThread.shutdownNow();
        try {
            udp.close();
        } finally {
            try {
                tun.close();
            } finally {
                if (workers != null) {
                    workers.shutdown();
                }
                for (Thread t : threads) {
                    try {
                        t.join(2000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                logStats();
                session.close();
            }
        }
        Logger.info("tunnel down: {}", tun.name());
    }
}
