package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * The packet layer of one link: seals IP packets into the note's DATA datagrams and opens them,
 * with no sockets and no TUN (those are {@link Udp} and {@link Tun}).
 *
 * <p>How a datagram is sent: take the next sequence number (reserving a block of
 * {@link ProtocolConstants#SEQUENCE_RESERVATION} durably first when the current block is used up),
 * pick slot {@code seq / 1000}, write the header ({@link WireFormat}), encrypt with the header as
 * AAD. When the sender enters a new slot, the halves of the slots behind it are destroyed in the
 * background.
 *
 * <p>How a datagram is received, cheapest checks first: length, magic, version, direction;
 * durable floor and replay window (no mutation); slot auth tag; AEAD; then, under the lock, the
 * window is updated and the receive bound is reserved durably <em>before</em> the packet is
 * delivered. Halves of slots the window has left behind are destroyed in the background.
 *
 * <p>Guarantees: a (key, nonce) pair is never used twice by this sender, across restarts (the
 * state records an upper bound before any sequence below it is used); after a restart the
 * receiver rejects every sequence it could have accepted before. Limits: a restart skips up to one
 * reservation block of sequence numbers (about 10 slots); a restarted receiver drops the peer's
 * packets until the peer sends above its floor (the handshake tells the peer where that is).
 *
 * <p>Thread-safe: any number of threads may call {@link #seal} and {@link #open} at once.
 */
public final class TunnelSession implements AutoCloseable {

    /** What became of a received datagram. */
    public enum Verdict { OK, TRUNCATED, MALFORMED, REPLAY, AUTH_FAILED }

    /** Result of {@link #open}: the IP packet when {@link Verdict#OK}, else null. */
    public record Opened(Verdict verdict, byte[] packet) {
    }

    private final Role role;
    private final SlotStore store;
    private final SequenceState state;
    private final AeadEngine aead;
    private final TunnelStats stats;
    private final long dataSlots;
    private final KeyCache txKeys;
    private final KeyCache rxKeys;
    private final ExecutorService destroyer;

    private final Object txLock = new Object();
    private long txNext;
    private long txLimit;
    private long txDestroyedBelow;

    private final Object rxLock = new Object();
    private final ReplayWindow window = new ReplayWindow();
    private final long rxFloor;
    private long rxLimit;
    private long rxDestroyedBelow;

    /**
     * @param dataSlots slots usable for data: all of them, or one fewer when the last slot is
     *     kept for the handshake key
     */
    public TunnelSession(Role role, SlotStore store, SequenceState state, AeadEngine aead, TunnelStats stats,
            long dataSlots) {
        if (dataSlots < 1 || dataSlots > store.slotCount()) {
            throw new IllegalArgumentException("dataSlots " + dataSlots + " vs " + store.slotCount() + " slots");
        }
        this.role = role;
        this.store = store;
        this.state = state;
        this.aead = aead;
        this.stats = stats;
        this.dataSlots = dataSlots;
        this.txKeys = new KeyCache(store, role.tx());
        this.rxKeys = new KeyCache(store, role.rx());
        this.destroyer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tunnel-slot-destroyer");
            t.setDaemon(true);
            return t;
        });
        this.txNext = state.txReserved();
        this.txLimit = state.txReserved();
        this.rxFloor = state.rxReserved();
        this.rxLimit = state.rxReserved();
        this.txDestroyedBelow = state.txDestroyedBelow();
        this.rxDestroyedBelow = state.rxDestroyedBelow();
        // Finish what a crash interrupted: nothing below these can be used again.
        long txBelow = Math.min(dataSlots, WireFormat.slotOf(txNext));
        long rxBelow = Math.min(dataSlots, WireFormat.slotOf(rxFloor));
        scheduleDestroy(role.tx(), txDestroyedBelow, txBelow);
        scheduleDestroy(role.rx(), rxDestroyedBelow, rxBelow);
        txDestroyedBelow = Math.max(txDestroyedBelow, txBelow);
        rxDestroyedBelow = Math.max(rxDestroyedBelow, rxBelow);
        if (txNext > 0 || rxFloor > 0) {
            Logger.info("tunnel resumes: next tx sequence {}, rx floor {}", txNext, rxFloor);
        }
    }

    public Role role() {
        return role;
    }

    public TunnelStats stats() {
        return stats;
    }

    /**
     * Seals one IP packet into a DATA datagram.
     *
     * @throws KeyMaterialExhaustedException when no slot is left for this direction
     * @throws IOException when the durable reservation cannot be written (nothing is sent then)
     */
    public byte[] seal(byte[] packet, int offset, int length) throws IOException {
        long seq;
        DirectionKey key;
        synchronized (txLock) {
            long slot = WireFormat.slotOf(txNext);
            if (slot >= dataSlots) {
                throw new KeyMaterialExhaustedException("key material exhausted at slot " + slot);
            }
            if (txNext >= txLimit) {
                long bound = txNext + ProtocolConstants.SEQUENCE_RESERVATION;
                state.reserveTx(bound); // durable before any sequence below bound leaves
                txLimit = bound;
            }
            key = txKeys.get(slot, true);
            if (key == null) {
                throw new KeyMaterialExhaustedException("tx half of slot " + slot + " was destroyed");
            }
            seq = txNext++;
            if (slot > txDestroyedBelow) {
                scheduleDestroy(role.tx(), txDestroyedBelow, slot);
                txDestroyedBelow = slot;
            }
        }
        byte[] out = new byte[ProtocolConstants.HEADER_SIZE + length + ProtocolConstants.AEAD_TAG_SIZE];
        WireFormat.writeHeader(out, 0, role.tx(), key, seq);
        aead.seal(key, seq, out, 0, packet, offset, length, out, ProtocolConstants.HEADER_SIZE);
        stats.txPackets.increment();
        stats.txBytes.add(length);
        return out;
    }

    /** Opens one datagram; counts every rejection in {@link #stats()}. */
    public Opened open(byte[] datagram, int offset, int length) throws IOException {
        if (length < WireFormat.MIN_DATAGRAM) {
            stats.malformed.increment();
            return new Opened(Verdict.TRUNCATED, null);
        }
        if (!WireFormat.isData(datagram, offset, length)
                || Direction.fromWire(datagram[offset + WireFormat.OFF_DIRECTION] & 0xff) != role.rx()) {
            stats.malformed.increment();
            return new Opened(Verdict.MALFORMED, null);
        }
        long seq = WireFormat.sequence(datagram, offset);
        synchronized (rxLock) {
            if (seq < rxFloor || !window.check(seq)) {
                stats.replays.increment();
                return new Opened(Verdict.REPLAY, null);
            }
        }
        long slot = WireFormat.slotOf(seq);
        if (seq < 0 || slot >= dataSlots) {
            stats.authFailures.increment();
            return new Opened(Verdict.AUTH_FAILED, null);
        }
        // Not cached until authenticated: forged sequences must not evict good keys.
        DirectionKey key = rxKeys.get(slot, false);
        if (key == null) {
            stats.replays.increment();
            return new Opened(Verdict.REPLAY, null);
        }
        if (!key.authTagMatches(datagram, offset + WireFormat.OFF_AUTH_TAG)) {
            stats.authFailures.increment();
            return new Opened(Verdict.AUTH_FAILED, null);
        }
        int ctLen = length - ProtocolConstants.HEADER_SIZE;
        byte[] plain = new byte[ctLen - ProtocolConstants.AEAD_TAG_SIZE];
        int n = aead.open(key, seq, datagram, offset, datagram, offset + ProtocolConstants.HEADER_SIZE, ctLen, plain, 0);
        if (n != plain.length) {
            stats.authFailures.increment();
            return new Opened(Verdict.AUTH_FAILED, null);
        }
        rxKeys.remember(key);
        synchronized (rxLock) {
            if (!window.accept(seq)) {
                stats.replays.increment();
                return new Opened(Verdict.REPLAY, null);
            }
            if (seq >= rxLimit) {
                long bound = seq + 1 + ProtocolConstants.SEQUENCE_RESERVATION;
                state.reserveRx(bound); // durable before the packet is delivered
                rxLimit = bound;
            }
            long below = Math.min(dataSlots, WireFormat.slotOf(window.lowestAcceptable()));
            if (below > rxDestroyedBelow) {
                scheduleDestroy(role.rx(), rxDestroyedBelow, below);
                rxDestroyedBelow = below;
            }
        }
        stats.rxPackets.increment();
        stats.rxBytes.add(plain.length);
        return new Opened(Verdict.OK, plain);
    }

    /** Next sequence number this end will send. */
    public long txNext() {
        synchronized (txLock) {
            return txNext;
        }
    }

    /** Lowest sequence the peer should send next so that we accept it (told in the handshake). */
    public long rxResumeFrom() {
        synchronized (rxLock) {
            return Math.max(rxFloor, window.top() + 1);
        }
    }

    /** Moves our sender forward to at least {@code seq} (peer told us its floor). Never backward. */
    public void skipTxTo(long seq) {
        synchronized (txLock) {
            if (seq > txNext) {
                Logger.info("peer asks us to resume at sequence {} (was {})", seq, txNext);
                txNext = seq;
            }
        }
    }

    /** Slots left for our sending direction. */
    public long txSlotsRemaining() {
        synchronized (txLock) {
            return Math.max(0, dataSlots - WireFormat.slotOf(txNext + ProtocolConstants.PACKETS_PER_SLOT - 1));
        }
    }

    public long dataSlots() {
        return dataSlots;
    }

    private void scheduleDestroy(Direction direction, long from, long to) {
        if (from >= to) {
            return;
        }
        destroyer.execute(() -> {
            try {
                store.destroyRange(from, to, direction);
                if (direction == role.tx()) {
                    state.destroyedBelow(to, 0);
                } else {
                    state.destroyedBelow(0, to);
                }
            } catch (IOException | RuntimeException e) {
                Logger.tag("security").error(e, "could not destroy used key slots {}..{} ({})", from, to, direction);
            }
        });
    }

    /** Waits for pending destruction, records progress durably. Does not close the store or state. */
    @Override
    public void close() throws IOException {
        destroyer.shutdown();
        try {
            if (!destroyer.awaitTermination(30, TimeUnit.SECONDS)) {
                Logger.tag("security").warn("slot destruction still running at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        state.flush();
        txKeys.clear();
        rxKeys.clear();
    }

    @Override
    public String toString() {
        return "TunnelSession[" + role + ", " + dataSlots + " data slots]";
    }

    /**
     * A few recently used keys of one direction. Evicted keys are not wiped (another thread may
     * still be sealing with one); they are left to the garbage collector.
     */
    private static final class KeyCache {
        private static final int CAPACITY = 8;
        private final SlotStore store;
        private final Direction direction;
        private final Map<Long, DirectionKey> keys = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, DirectionKey> eldest) {
                return size() > CAPACITY;
            }
        };

        KeyCache(SlotStore store, Direction direction) {
            this.store = store;
            this.direction = direction;
        }

        /** Returns the key, or null if the half was destroyed; caches it if {@code cache}. */
        DirectionKey get(long slot, boolean cache) throws IOException {
            synchronized (keys) {
                DirectionKey k = keys.get(slot);
                if (k != null) {
                    return k;
                }
            }
            DirectionKey k;
            try (SlotSecret secret = store.read(slot)) {
                k = DirectionKey.from(secret, slot, direction);
            }
            if (k != null && cache) {
                remember(k);
            }
            return k;
        }

        void remember(DirectionKey k) {
            synchronized (keys) {
                keys.putIfAbsent(k.slot, k);
            }
        }

        void clear() {
            synchronized (keys) {
                keys.values().forEach(DirectionKey::wipe);
                keys.clear();
            }
        }
    }
}
