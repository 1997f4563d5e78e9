package org.otpi.appliance.vault;

import java.io.IOException;
import java.util.HexFormat;

/**
 * Law 1's durability, in one place: every change of a pad's {@link PadLedger} is recorded in the
 * journal on the medium (fsync) and then in the SD card's high-water marks (fsync) before the
 * vault acts on it (computes a package, lets plaintext out, destroys pad). Each method returns only
 * after both writes are on stable storage; if either throws, the caller does not act.
 *
 * <p>Why both: the journal can be rolled back with the medium (an old copy of the stick, a journal
 * cut short); the marks cannot (they live on the SD card), and every unlock, import and restore
 * moves the cursors beyond them. The journal alone would let an old stick reuse pad; the marks
 * alone would not say which ranges were opened or kept.
 *
 * <p>Thread-safety: the journal serializes appends; the marks are synchronized. Callers hold the
 * contact's lock, so a pad's records are written in the order its ledger changed.
 */
final class VaultRecorder {
    private volatile Journal journal;
    private final HighWaterMarks marks;

    VaultRecorder(Journal journal, HighWaterMarks marks) {
        this.journal = journal;
        this.marks = marks;
    }

    /** Our send cursor moved (a seal's reservation, an ack, a skip ahead, a mark). */
    void send(Vault.Entry e) throws IOException {
        VaultState.Record r = VaultState.Record.of("send", e.name());
        r.sendUsed = e.ledger.pad.sendUsed;
        append(r);
        mark(e);
    }

    /** A range of the peer's half was opened (and kept for its client with {@code keep}). */
    void open(Vault.Entry e, long lo, long hi, boolean keep, long at) throws IOException {
        VaultState.Record r = VaultState.Record.of("open", e.name());
        r.lo = lo;
        r.hi = hi;
        r.keep = keep ? Boolean.TRUE : null;
        r.at = keep ? at : null;
        append(r);
        mark(e);
    }

    /** A kept range was released: its pad is dead and is destroyed next. */
    void confirm(Vault.Entry e, long lo) throws IOException {
        VaultState.Record r = VaultState.Record.of("confirm", e.name());
        r.lo = lo;
        append(r);
    }

    /** Key half {@code half} of a site-link pad is destroyed below the ledger's watermark. */
    void slots(Vault.Entry e, int half) throws IOException {
        VaultState.Record r = VaultState.Record.of("slots", e.name());
        r.half = half;
        r.below = e.ledger.slotsBelow(half);
        append(r);
        mark(e);
    }

    /** A restored pad may send again. */
    void unblock(Vault.Entry e) throws IOException {
        append(VaultState.Record.of("unblock", e.name()));
    }

    /** The whole contact (import, restore, expiry, settings: rare, never per message). */
    void whole(Vault.Entry e) throws IOException {
        VaultState.Record r = new VaultState.Record();
        r.op = "set";
        r.contact = e.ledger == null ? e.contact.copy() : e.ledger.snapshot();
        append(r);
        mark(e);
    }

    /** A contact deleted (its marks stay on the SD card). */
    void delete(String name) throws IOException {
        append(VaultState.Record.of("del", name));
    }

    /** Raises the SD card's mark of the pad to its ledger (fsync; nothing written if unchanged). */
    void mark(Vault.Entry e) throws IOException {
        if (e.ledger != null && e.ledger.pad.padId != null) {
            marks.raise(HexFormat.of().parseHex(e.ledger.pad.padId), e.ledger.mark());
        }
    }

    private void append(VaultState.Record r) throws IOException {
        journal.append(Vault.JSON.writeValueAsBytes(r));
    }

    Journal journal() {
        return journal;
    }

    /** After a compaction: appends go to the fresh journal. */
    void replace(Journal fresh) {
        journal = fresh;
    }
}
