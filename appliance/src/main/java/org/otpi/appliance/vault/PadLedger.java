package org.otpi.appliance.vault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.otpi.appliance.pad.DeadBytes;
import org.otpi.appliance.pad.Direction;
import org.otpi.appliance.pad.PadGeometry;
import org.otpi.appliance.pad.RangeSet;

/**
 * One pad's bookkeeping (DESIGN section 4): our send cursor, what of the peer's half was opened,
 * which opened ranges still keep their pad until the client confirms, which site-link key halves
 * are destroyed, and from these every byte that must never be read again ({@link #dead()}).
 *
 * <p>Pure: no I/O, no clock. The vault journals each change before it acts on it (see
 * {@link Vault} for the order). Every change is monotonic: the cursor, the opened set, the frontier
 * and the destroyed slots only grow; kept ranges only leave. Replaying the journal's records
 * through {@link #applySend}, {@link #applyOpen}, {@link #applyConfirm} and {@link #applySlots}
 * rebuilds the same state in any order of equal records.
 *
 * <p>Not thread-safe: the vault holds the contact's lock.
 */
final class PadLedger {
    /** Bytes of one site-link key slot (the PSK note's layout) and of each direction's half of it. */
    static final int SLOT = 120;
    static final int HALF = SLOT / 2;

    final VaultState.Contact contact;
    final VaultState.Pad pad;
    final PadGeometry geometry;
    final Direction own;
    final Direction peer;
    private final RangeSet opened;
    private final TreeMap<Long, VaultState.Kept> kept = new TreeMap<>();
    private final long[] slotsBelow;

    /** What an incoming package's range is, before its tag is checked. */
    enum Arrival { NEW, REPLAY, REPEAT }

    /** Where an incoming package lies: stream offset, cost, absolute [lo, hi), and what it is. */
    record Incoming(long from, long cost, long lo, long hi, Arrival arrival) {
    }

    PadLedger(String deviceId, VaultState.Contact c) {
        this.contact = c;
        this.pad = c.pad;
        this.geometry = new PadGeometry(pad.size, pad.split);
        this.own = PadGeometry.directionOf(deviceId, c.remoteId);
        this.peer = own == Direction.FORWARD ? Direction.BACKWARD : Direction.FORWARD;
        this.opened = RangeSet.of(pad.opened);
        if (pad.kept != null) {
            for (VaultState.Kept k : pad.kept) {
                kept.put(k.lo, new VaultState.Kept(k.lo, k.hi, k.at));
            }
        }
        this.slotsBelow = pad.slotsBelow == null ? new long[2] : pad.slotsBelow.clone();
    }

    // ---------------------------------------------------------------------------------------
    // Send

    long sendCapacity() {
        return geometry.capacity(own);
    }

    long sendRemaining() {
        return sendCapacity() - pad.sendUsed;
    }

    /**
     * Checks that {@code cost} bytes may be sent and advances the cursor past them in memory;
     * returns the stream offset where they start. The caller journals the new cursor (fsync) and
     * raises the high-water mark before any byte of them is used.
     */
    long reserve(long cost) throws VaultException {
        checkMessagePad();
        if (pad.expired) {
            throw new VaultException(VaultException.Kind.PAD_EXPIRED, "this pad is retired"
                    + ("peer".equals(pad.expiredBy) ? " (the contact expired it)" : ""));
        }
        if (Boolean.TRUE.equals(pad.sendBlocked)) {
            throw new VaultException(VaultException.Kind.RECEIVE_ONLY, "this pad was restored from a backup and this"
                    + " device has no record of how much of it was sent since: it can receive, and can send again after"
                    + " the contact's next message (which says how far they have read), or after you skip ahead on the"
                    + " device");
        }
        if (cost > sendRemaining()) {
            throw new VaultException(VaultException.Kind.PAD_EXHAUSTED,
                    "not enough pad left: " + sendRemaining() + " bytes, " + cost + " needed");
        }
        long from = pad.sendUsed;
        pad.sendUsed += cost;
        return from;
    }

    /** Raises our cursor to {@code streamOffset} (never lowers it); true if it moved. */
    boolean applySend(long streamOffset) {
        long to = Math.min(sendCapacity(), streamOffset);
        if (to <= pad.sendUsed) {
            return false;
        }
        pad.sendUsed = to;
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Receive

    /**
     * Where a package of {@code cost} pad bytes at absolute {@code index} lies in the peer's
     * half, and whether it overlaps what was opened: a replay, or (if it is exactly a range whose
     * pad is still kept) a repeat of a package whose answer the client may not have received.
     */
    Incoming classify(long index, long cost) throws VaultException {
        checkMessagePad();
        long from = geometry.streamOffsetOf(peer, index);
        if (from < 0 || !geometry.fits(peer, from, cost)) {
            throw new VaultException(VaultException.Kind.CORRUPT, "package index outside the sender's half of the pad");
        }
        long[] abs = geometry.absoluteRange(peer, from, cost);
        Arrival a = Arrival.NEW;
        if (opened.overlaps(abs[0], abs[1])) {
            VaultState.Kept k = kept.get(abs[0]);
            a = k != null && k.hi == abs[1] ? Arrival.REPEAT : Arrival.REPLAY;
        }
        return new Incoming(from, cost, abs[0], abs[1], a);
    }

    /**
     * Records an authenticated new package as opened; returns the warnings for the person. With
     * {@code keep}, its pad stays on the medium until {@link #applyConfirm}.
     */
    List<Opened.Warning> accept(Incoming in, boolean keep, long at) {
        List<Opened.Warning> w = new ArrayList<>();
        long end = in.from() + in.cost();
        if (in.from() > pad.receiveFrontier) {
            w.add(Opened.Warning.SKIP);
        } else if (end <= pad.receiveFrontier) {
            w.add(Opened.Warning.LATE);
        }
        applyOpen(in.lo(), in.hi(), keep, at);
        return w;
    }

    /** Marks absolute [lo, hi) of the peer's half opened (and kept, with {@code keep}). */
    void applyOpen(long lo, long hi, boolean keep, long at) {
        opened.add(lo, hi);
        long streamEnd = peer == Direction.FORWARD ? hi - PadGeometry.PAD_ID_LENGTH : pad.size - lo;
        pad.receiveFrontier = Math.max(pad.receiveFrontier, streamEnd);
        if (keep) {
            kept.put(lo, new VaultState.Kept(lo, hi, at));
        }
    }

    /** The kept range holding absolute pad index {@code index}, or null. */
    VaultState.Kept keptAt(long index) {
        Map.Entry<Long, VaultState.Kept> e = kept.floorEntry(index);
        return e != null && e.getValue().hi > index ? e.getValue() : null;
    }

    /** Releases the kept range starting at {@code lo}: its pad is dead from now on. */
    boolean applyConfirm(long lo) {
        return kept.remove(lo) != null;
    }

    /** Kept ranges kept since before {@code cutoff} (epoch millis). */
    List<VaultState.Kept> keptBefore(long cutoff) {
        List<VaultState.Kept> out = new ArrayList<>();
        for (VaultState.Kept k : kept.values()) {
            if (k.at < cutoff) {
                out.add(k);
            }
        }
        return out;
    }

    int keptCount() {
        return kept.size();
    }

    /**
     * An authenticated ack: the peer has opened our stream up to {@code ack}. If that is beyond
     * our cursor, our cursor was rolled back (a restored backup, an old medium): raise it. Any ack
     * also ends the receive-only state of a restored pad. Returns how far the cursor moved.
     */
    long applyAck(long ack) {
        long before = pad.sendUsed;
        applySend(ack);
        return pad.sendUsed - before;
    }

    // ---------------------------------------------------------------------------------------
    // Site links

    long slots() {
        return (pad.size - PadGeometry.PAD_ID_LENGTH) / SLOT;
    }

    long slotsBelow(int half) {
        return slotsBelow[half];
    }

    /** Key half {@code half} is destroyed in every slot below {@code below}; true if that is news. */
    boolean applySlots(int half, long below) {
        long b = Math.min(slots(), below);
        if (b <= slotsBelow[half]) {
            return false;
        }
        slotsBelow[half] = b;
        return true;
    }

    private long halfStart(long slot, int half) {
        return PadGeometry.PAD_ID_LENGTH + slot * SLOT + (long) half * HALF;
    }

    // ---------------------------------------------------------------------------------------
    // Dead bytes, marks, snapshot

    /**
     * Every byte that must never be read again: our sent part, everything opened whose pad is not
     * kept, and destroyed site-link key halves. A view: it follows later changes.
     */
    DeadBytes dead() {
        return new DeadBytes() {
            @Override
            public boolean covers(long lo, long hi) {
                long pos = lo;
                while (pos < hi) {
                    long next = deadRunEnd(pos);
                    if (next <= pos) {
                        return false;
                    }
                    pos = next;
                }
                return true;
            }

            @Override
            public RangeSet within(long lo, long hi) {
                RangeSet s = new RangeSet();
                if (pad.sendUsed > 0) {
                    long[] r = geometry.absoluteRange(own, 0, pad.sendUsed);
                    s.add(Math.max(lo, r[0]), Math.min(hi, r[1]));
                }
                RangeSet o = opened.within(lo, hi);
                for (VaultState.Kept k : kept.values()) {
                    o.remove(k.lo, k.hi);
                }
                for (long[] r : o.toList()) {
                    s.add(r[0], r[1]);
                }
                for (int h = 0; h < 2; h++) {
                    if (slotsBelow[h] == 0 || hi <= PadGeometry.PAD_ID_LENGTH) {
                        continue;
                    }
                    long first = Math.max(0, (lo - PadGeometry.PAD_ID_LENGTH) / SLOT);
                    long last = Math.min(slotsBelow[h] - 1, (hi - 1 - PadGeometry.PAD_ID_LENGTH) / SLOT);
                    for (long i = first; i <= last; i++) {
                        long a = halfStart(i, h);
                        s.add(Math.max(lo, a), Math.min(hi, a + HALF));
                    }
                }
                return s;
            }
        };
    }

    /** The end of the run of dead bytes starting at {@code pos}, or {@code pos} if it is live. */
    private long deadRunEnd(long pos) {
        if (pad.sendUsed > 0) {
            long[] r = geometry.absoluteRange(own, 0, pad.sendUsed);
            if (pos >= r[0] && pos < r[1]) {
                return r[1];
            }
        }
        if (opened.covers(pos, pos + 1)) {
            VaultState.Kept k = keptAt(pos);
            if (k == null) {
                // to the end of the opened range, or the next kept range in it
                long end = opened.endOf(pos);
                Long nextKept = kept.ceilingKey(pos);
                return nextKept != null && nextKept < end ? nextKept : end;
            }
        }
        if (pos >= PadGeometry.PAD_ID_LENGTH) {
            long slot = (pos - PadGeometry.PAD_ID_LENGTH) / SLOT;
            long both = Math.min(slotsBelow[0], slotsBelow[1]);
            if (slot < both) {
                return halfStart(both, 0);
            }
            int h = (pos - PadGeometry.PAD_ID_LENGTH) % SLOT >= HALF ? 1 : 0;
            if (slot < slotsBelow[h] && slot < slots()) {
                return halfStart(slot, h) + HALF;
            }
        }
        return pos;
    }

    /**
     * This device's use of the pad, in absolute terms, for the SD card's high-water marks. A
     * site-link pad marks the slots whose halves are both destroyed (the tunnel's own sequence
     * state on the SD card is what keeps its nonces from repeating; this keeps its keys destroyed).
     */
    HighWaterMarks.Mark mark() {
        if (pad.siteLink()) {
            return new HighWaterMarks.Mark(halfStart(Math.min(slotsBelow[0], slotsBelow[1]), 0), 0, 0);
        }
        return HighWaterMarks.Mark.of(geometry, own, pad.sendUsed, pad.receiveFrontier);
    }

    /**
     * Moves the cursors beyond everything the mark says this device used: our cursor past our
     * half's marked bytes, the peer's half marked opened up to its marked bytes (so they count as
     * replays); for a site-link pad, both key halves of the marked slots destroyed. Returns true if
     * anything moved.
     */
    boolean applyMark(HighWaterMarks.Mark m) {
        if (pad.siteLink()) {
            long slot = Math.max(0, (m.forwardEnd() - PadGeometry.PAD_ID_LENGTH) / SLOT);
            boolean a = applySlots(0, slot);
            boolean b = applySlots(1, slot);
            return a || b;
        }
        boolean moved = applySend(m.cursorFor(geometry, own));
        long upTo = m.cursorFor(geometry, peer);
        if (upTo > pad.receiveFrontier) {
            long[] abs = geometry.absoluteRange(peer, 0, upTo);
            opened.add(abs[0], abs[1]);
            pad.receiveFrontier = upTo;
            moved = true;
        }
        return moved;
    }

    /** The contact and its pad as a journal record holds them (a copy). */
    VaultState.Contact snapshot() {
        VaultState.Contact c = contact.copy();
        c.pad.opened = new ArrayList<>(opened.toList());
        c.pad.kept = kept.isEmpty() ? null : new ArrayList<>(kept.values());
        c.pad.slotsBelow = slotsBelow[0] == 0 && slotsBelow[1] == 0 ? null : slotsBelow.clone();
        return c;
    }

    private void checkMessagePad() throws VaultException {
        if (pad.siteLink()) {
            throw new VaultException(VaultException.Kind.WRONG_PAD, "a site-link pad carries tunnel keys, not messages");
        }
    }
}
