package org.otpi.appliance.vault;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * The vault's metadata as it is journaled (JSON inside sealed journal records). Plain mutable
 * holders, package-private, guarded by the owning contact's lock. No pad bytes here: only
 * offsets, sizes, the public pad id, and the per-file salts from which chunk keys are derived.
 *
 * <p>Records are small deltas, so every operation appends O(1) bytes whatever the pad's history:
 * <pre>
 *   device    deviceId                       first record of every journal
 *   snapshot  deviceId, contacts             whole state (compaction, migration)
 *   set       contact                        a contact and its pad, whole (import, expire, restore)
 *   del       name                           contact deleted
 *   send      name, sendUsed                 our cursor (seal, authenticated ack, skip ahead, marks)
 *   open      name, lo, hi, keep, at         absolute range of the peer's half opened; kept = its pad
 *                                            is destroyed only when the client confirms (or at expiry)
 *   confirm   name, lo                       a kept range released: destroy its pad now
 *   slots     name, half, below              site-link: key half 0 or 1 destroyed in every slot below
 *   unblock   name                           a restored pad may send again
 *   settings  keepOpenedMillis               the person's choice, for every contact
 * </pre>
 */
final class VaultState {
    private VaultState() {
    }

    /** One journal record. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Record {
        public String op;
        public String deviceId;        // device, snapshot
        public Contact contact;        // set
        public String name;            // del, send, open, confirm, slots, unblock
        public List<Contact> contacts; // snapshot
        public Long sendUsed;          // send
        public Long lo;                // open, confirm
        public Long hi;                // open
        public Boolean keep;           // open
        public Long at;                // open: epoch millis
        public Integer half;           // slots
        public Long below;             // slots
        public Long keepOpenedMillis;  // settings: how long an unconfirmed open keeps its pad

        static Record of(String op, String name) {
            Record r = new Record();
            r.op = op;
            r.name = name;
            return r;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Contact {
        public String name;
        public String remoteId;
        public Boolean readOnDevice; // received text shown on the device only, never to the laptop
        public Pad pad;

        Contact copy() {
            Contact c = new Contact();
            c.name = name;
            c.remoteId = remoteId;
            c.readOnDevice = readOnDevice;
            c.pad = pad == null ? null : pad.copy();
            return c;
        }
    }

    /** An opened range whose pad is kept until the client confirms it has the message. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Kept {
        public long lo;
        public long hi;
        public long at;

        Kept() {
        }

        Kept(long lo, long hi, long at) {
            this.lo = lo;
            this.hi = hi;
            this.at = at;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Pad {
        public String file;          // file name on the medium (random hex)
        public String fileSalt;      // hex, HKDF salt of the chunk key
        public Integer format;       // pad file format: 2 (XChaCha20, random nonces); absent = 1
        public long size;
        public int chunkSize;
        public String padId;         // hex of the first 16 bytes (public)
        public String source;        // hrng+kernel | kernel | imported | restored
        public String kind;          // message | site-link
        public long split;
        public long sendUsed;        // bytes consumed in our own direction
        public long receiveFrontier; // furthest stream offset of the peer's direction we opened
        public List<long[]> opened = new ArrayList<>(); // absolute ranges opened (peer's half)
        public List<Kept> kept;      // opened ranges whose pad waits for the client's confirmation
        public long[] slotsBelow;    // site-link: halves 0 and 1 destroyed in every slot below these
        public Boolean sendBlocked;  // restored without a high-water mark: receive only until an ack
        public boolean expired;
        public String expiredBy;     // "local" | "peer"
        public long lowThreshold;    // bytes; warn when our remaining drops below
        public long created;         // epoch millis
        /** v1 only (chunk write counters reserved on the medium); read, never written. */
        @JsonProperty(access = JsonProperty.Access.WRITE_ONLY)
        public long nonceReserved;

        Pad copy() {
            Pad p = new Pad();
            p.file = file;
            p.fileSalt = fileSalt;
            p.format = format;
            p.size = size;
            p.chunkSize = chunkSize;
            p.padId = padId;
            p.source = source;
            p.kind = kind;
            p.split = split;
            p.sendUsed = sendUsed;
            p.receiveFrontier = receiveFrontier;
            p.opened = new ArrayList<>();
            for (long[] r : opened) {
                p.opened.add(r.clone());
            }
            if (kept != null) {
                p.kept = new ArrayList<>();
                for (Kept k : kept) {
                    p.kept.add(new Kept(k.lo, k.hi, k.at));
                }
            }
            p.slotsBelow = slotsBelow == null ? null : slotsBelow.clone();
            p.sendBlocked = sendBlocked;
            p.expired = expired;
            p.expiredBy = expiredBy;
            p.lowThreshold = lowThreshold;
            p.created = created;
            return p;
        }

        boolean siteLink() {
            return "site-link".equals(kind);
        }
    }
}
