package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
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
        this.txKeys = new KeyCache(store, role.tx(), aead);
        this.rxKeys = new KeyCache(store, role.rx(), aead);
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
        byte[] out = new byte[ProtocolConstants.HEADER_SIZE + length + ProtocolConstants.AEAD_TAG_SIZE];
        System.arraycopy(packet, offset, out, ProtocolConstants.HEADER_SIZE, length);
        TxBatch one = new TxBatch(ByteBuffer.wrap(out), 1);
        one.add(length);
        sealBatch(one);
        return out;
    }

    /**
     * Seals every datagram of a batch in place (the packets already sit in their slots): takes
     * their sequence numbers in one go, in slot order, then writes each header and seals. The
     * reservation rule is the same as for one packet: before any sequence number at or above the
     * durable bound is used, the bound moves {@link ProtocolConstants#SEQUENCE_RESERVATION} ahead.
     *
     * @return how many datagrams, from the first, were sealed (fewer than the batch holds only
     *     when the key material ran out in the middle of it)
     * @throws KeyMaterialExhaustedException when not even the first could be sealed
     * @throws IOException when the durable reservation cannot be written (nothing is sent then)
     */
    int sealBatch(TxBatch batch) throws IOException {
        int count = batch.count;
        if (count == 0) {
            return 0;
        }
        DirectionKey[] keys = txKeyScratch(count);
        long[] seqs = txSeqScratch(count);
        int n = 0;
        String exhausted = null;
        synchronized (txLock) {
            DirectionKey key = null;
            for (; n < count; n++) {
                long slot = WireFormat.slotOf(txNext);
                if (slot >= dataSlots) {
                    exhausted = "key material exhausted at slot " + slot;
                    break;
                }
                if (txNext >= txLimit) {
                    long bound = txNext + ProtocolConstants.SEQUENCE_RESERVATION;
                    state.reserveTx(bound); // durable before any sequence below bound leaves
                    txLimit = bound;
                }
                if (key == null || key.slot != slot) {
                    key = txKeys.get(slot, true);
                    if (key == null) {
                        exhausted = "tx half of slot " + slot + " was destroyed";
                        break;
                    }
                }
                keys[n] = key;
                seqs[n] = txNext++;
                if (slot > txDestroyedBelow) {
                    scheduleDestroy(role.tx(), txDestroyedBelow, slot);
                    txDestroyedBelow = slot;
                }
            }
        }
        if (n == 0) {
            throw new KeyMaterialExhaustedException(exhausted);
        }
        ByteBuffer buf = batch.buf;
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            int off = batch.offsets[i];
            WireFormat.writeHeader(buf, off, role.tx(), keys[i], seqs[i]);
            aead.sealInPlace(keys[i], seqs[i], buf, off, batch.lengths[i]);
            bytes += batch.lengths[i];
            keys[i] = null;
        }
        stats.txPackets.add(n);
        stats.txBytes.add(bytes);
        return n;
    }

    private final ThreadLocal<DirectionKey[]> keyScratch = new ThreadLocal<>();
    private final ThreadLocal<long[]> seqScratch = new ThreadLocal<>();

    private DirectionKey[] txKeyScratch(int n) {
        DirectionKey[] a = keyScratch.get();
        if (a == null || a.length < n) {
            a = new DirectionKey[Math.max(n, 64)];
            keyScratch.set(a);
        }
        return a;
    }

    private long[] txSeqScratch(int n) {
        long[] a = seqScratch.get();
        if (a == null || a.length < n) {
            a = new long[Math.max(n, 64)];
            seqScratch.set(a);
        }
        return a;
    }

    /** Opens one datagram; counts every rejection in {@link #stats()}. */
    public Opened open(byte[] datagram, int offset, int length) throws IOException {
        int plainLen = Math.max(0, length - ProtocolConstants.HEADER_SIZE - ProtocolConstants.AEAD_TAG_SIZE);
        byte[] plain = new byte[plainLen];
        Verdict v = openTo(ByteBuffer.wrap(datagram), offset, length, ByteBuffer.wrap(plain), 0);
        return new Opened(v, v == Verdict.OK ? plain : null);
    }

    /**
     * Opens the datagram at {@code in[offset, offset+length)} into
     * {@code out[outOffset, outOffset+length-48)}; counts every rejection in {@link #stats()}.
     * Nothing is written to {@code out} unless the datagram authenticates. The packet may be
     * delivered once this returns {@link Verdict#OK}: the window and the durable receive bound are
     * updated by then.
     */
    Verdict openTo(ByteBuffer in, int offset, int length, ByteBuffer out, int outOffset) throws IOException {
        if (length < WireFormat.MIN_DATAGRAM) {
            stats.malformed.increment();
            return Verdict.TRUNCATED;
        }
        if (!WireFormat.isData(in, offset, length)
                || Direction.fromWire(in.get(offset + WireFormat.OFF_DIRECTION) & 0xff) != role.rx()) {
            stats.malformed.increment();
            return Verdict.MALFORMED;
        }
        long seq = WireFormat.sequence(in, offset);
        synchronized (rxLock) {
            if (seq < rxFloor || !window.check(seq)) {
                stats.replays.increment();
                return Verdict.REPLAY;
            }
        }
        long slot = WireFormat.slotOf(seq);
        if (seq < 0 || slot >= dataSlots) {
            stats.authFailures.increment();
            return Verdict.AUTH_FAILED;
        }
        // Not cached until authenticated: forged sequences must not evict good keys.
        DirectionKey key = rxKeys.get(slot, false);
        if (key == null) {
            stats.replays.increment();
            return Verdict.REPLAY;
        }
        if (!key.authTagMatches(in, offset + WireFormat.OFF_AUTH_TAG)) {
            stats.authFailures.increment();
            return Verdict.AUTH_FAILED;
        }
        if (!aead.open(key, seq, in, offset, length, out, outOffset)) {
            stats.authFailures.increment();
            return Verdict.AUTH_FAILED;
        }
        rxKeys.remember(key);
        synchronized (rxLock) {
            if (!window.accept(seq)) {
                stats.replays.increment();
                return Verdict.REPLAY;
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
        stats.rxBytes.add(length - ProtocolConstants.HEADER_SIZE - ProtocolConstants.AEAD_TAG_SIZE);
        return Verdict.OK;
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
     * A few recently used keys of one direction. Evicted keys are not wiped here (another thread
     * may still be sealing with one): their cleaner wipes them once they are unreachable.
     */
    private static final class KeyCache {
        private static final int CAPACITY = 8;
        private final SlotStore store;
        private final Direction direction;
        private final AeadEngine aead;
        private final Map<Long, DirectionKey> keys = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, DirectionKey> eldest) {
                return size() > CAPACITY;
            }
        };

        KeyCache(SlotStore store, Direction direction, AeadEngine aead) {
            this.store = store;
            this.direction = direction;
            this.aead = aead;
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
                k = DirectionKey.from(secret, slot, direction, aead);
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
