package org.otpi.appliance.vault;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.otpi.appliance.pad.Otc1Codec;
import org.otpi.appliance.pad.Otp2Codec;
import org.otpi.appliance.pad.TagMismatchException;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.OtcV1Package;
import org.otpi.protocol.format.V2Header;
import org.tinylog.Logger;

/**
 * The receive side of the pad engine (DESIGN section 4): where an incoming package lies (new,
 * replay, or a repeat of a package whose pad is kept for its client), its tag, and then, in order,
 * the opened range journaled and marked (fsync) before any plaintext leaves, its authenticated ack
 * and expiry applied, and its pad destroyed or kept until the client confirms. A forgery changes
 * nothing. Callers hold the contact's lock.
 */
final class VaultReceiver {
    private final Vault v;

    VaultReceiver(Vault v) {
        this.v = v;
    }

    void release(Vault.Entry e, VaultState.Kept k) throws IOException {
        v.recorder().confirm(e, k.lo);
        e.ledger.applyConfirm(k.lo);
        v.destroyRange(e, new long[] {k.lo, k.hi});
    }

    /** Destroys the pad of kept opens older than the policy's keep period. */
    void expireKept(Vault.Entry e) throws IOException {
        if (e.ledger == null || e.ledger.keptCount() == 0) {
            return;
        }
        for (VaultState.Kept k : e.ledger.keptBefore(v.clock().millis() - v.keepOpenedMillis())) {
            Logger.tag("security").info("an opened message's pad was kept {} minutes unconfirmed: destroyed (pad {})",
                    v.keepOpenedMillis() / 60_000, e.ledger.pad.padId);
            release(e, k);
        }
    }

    Opened openV1(Vault.Entry e, byte[] pkg, boolean keep) throws IOException, VaultException {
        OtcV1Package p;
        try {
            p = OtcV1Package.parse(pkg);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("package rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid package: " + ex.getMessage());
        }
        PadLedger.Incoming in = incoming(e, null, p.index(), OtcV1Package.padCost(p.messageLength()));
        byte[] m;
        try {
            m = Otc1Codec.open(e.file, Vault.ledger(e).peer, p);
        } catch (TagMismatchException ex) {
            throw forged(e);
        }
        return finish(e, in, p.index(), false, -1, keep, m);
    }

    Opened openV2(Vault.Entry e, byte[] pkg, boolean keep) throws IOException, VaultException {
        V2Header h;
        try {
            h = V2Header.parse(pkg);
        } catch (MalformedPackageException ex) {
            Logger.tag("security").warn("package rejected: {}", ex.getMessage());
            throw new VaultException(VaultException.Kind.CORRUPT, "not a valid package: " + ex.getMessage());
        }
        if (pkg.length != V2Header.LENGTH + h.length() + V2Header.TAG_LENGTH) {
            Logger.tag("security").warn("package rejected: length does not match its header");
            throw new VaultException(VaultException.Kind.CORRUPT, "package is truncated or has trailing data");
        }
        PadLedger.Incoming in = incoming(e, h.padId(), h.index(), h.padCost());
        byte[] m;
        try {
            m = Otp2Codec.open(e.file, Vault.ledger(e).peer, h, pkg);
        } catch (TagMismatchException ex) {
            throw forged(e);
        }
        return finish(e, in, h.index(), h.expired(), h.ack(), keep, m);
    }

    /** An authenticated package: record it (or recognise a repeat), then destroy or keep its pad. */
    Opened finish(Vault.Entry e, PadLedger.Incoming in, long index, boolean peerExpired, long ack, boolean keep,
                          byte[] message) throws IOException {
        if (in.arrival() == PadLedger.Arrival.REPEAT) {
            Opened r = repeat(index);
            return new Opened(message, r.warnings(), index, true);
        }
        Opened o = accept(e, in, index, peerExpired, ack, keep, message);
        if (!keep) {
            v.destroyRange(e, new long[] {in.lo(), in.hi()});
        }
        return o;
    }

    Opened repeat(long index) {
        Logger.tag("security").info("package at index {} opened again: its client had not confirmed it (repeat, not a"
                + " replay)", index);
        return new Opened(null, List.of(), index, true);
    }

    /** Where an incoming package lies; refuses replays and packages for another pad. */
    PadLedger.Incoming incoming(Vault.Entry e, byte[] pkgPadId, long index, long cost) throws VaultException {
        PadLedger l = Vault.ledger(e);
        if (pkgPadId != null && !Arrays.equals(pkgPadId, Vault.padId(e))) {
            Logger.tag("security").warn("package for another pad rejected (contact's pad {})", l.pad.padId);
            throw new VaultException(VaultException.Kind.WRONG_PAD, "package was not made with this contact's pad");
        }
        PadLedger.Incoming in;
        try {
            in = l.classify(index, cost);
        } catch (VaultException ex) {
            if (ex.kind() == VaultException.Kind.CORRUPT) {
                Logger.tag("security").warn("package rejected: index {} outside the sender's half of pad {}", index,
                        l.pad.padId);
            }
            throw ex;
        }
        if (in.arrival() == PadLedger.Arrival.REPLAY) {
            Logger.tag("security").warn("REPLAY: package at index {} uses pad already opened (pad {})", index, l.pad.padId);
            throw new VaultException(VaultException.Kind.REPLAY, "replay: this pad was already used by an earlier message");
        }
        return in;
    }

    VaultException forged(Vault.Entry e) {
        Logger.tag("security").warn("FORGERY: a package failed authentication (pad {})", e.ledger.pad.padId);
        return new VaultException(VaultException.Kind.FORGED, "package failed authentication (forged or corrupted)");
    }

    /**
     * Records an authenticated package as opened (journal and mark, fsync'd, before any plaintext
     * leaves), applies its authenticated ack and expiry, and says what the person should know.
     */
    Opened accept(Vault.Entry e, PadLedger.Incoming in, long index, boolean peerExpired, long ack, boolean keep,
                          byte[] message) throws IOException {
        PadLedger l = e.ledger;
        List<Opened.Warning> warnings = new ArrayList<>(l.accept(in, keep, v.clock().millis()));
        if (warnings.contains(Opened.Warning.SKIP)) {
            Logger.tag("security").warn("SKIP: bytes of the peer's pad never seen before index {} (pad {})", index,
                    l.pad.padId);
        } else if (warnings.contains(Opened.Warning.LATE)) {
            Logger.tag("security").info("late package at index {} (pad {})", index, l.pad.padId);
        }
        v.recorder().open(e, in.lo(), in.hi(), keep, v.clock().millis());
        if (ack >= 0) {
            long moved = l.applyAck(ack);
            if (moved > 0) {
                Logger.tag("security").warn("ROLLBACK: the contact has read {} bytes of our stream beyond our cursor (a"
                        + " restored backup or an old medium): our cursor moved ahead (pad {})", moved, l.pad.padId);
                v.persistSend(e);
            }
            v.unblock(e);
        }
        if (peerExpired && !l.pad.expired) {
            l.pad.expired = true;
            l.pad.expiredBy = "peer";
            warnings.add(Opened.Warning.EXPIRED_BY_PEER);
            Logger.tag("security").warn("pad {} retired by the peer (authenticated Expired status)", l.pad.padId);
            v.persistWhole(e);
        }
        v.raiseMark(e);
        return new Opened(message, List.copyOf(warnings), index, false);
    }
}
