package org.otpi.appliance.vault;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/**
 * The vault's metadata as it is journaled (JSON inside sealed journal records). Plain mutable
 * holders, package-private, guarded by the owning contact's lock. No pad bytes here: only
 * offsets, sizes, the public pad id, and the per-file salts from which chunk keys are derived.
 */
final class VaultState {
    private VaultState() {
    }

    /** One journal record. Exactly one of the fields besides {@code op} is set. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Record {
        public String op;            // "device", "set", "del", "snapshot"
        public String deviceId;      // device, snapshot
        public Contact contact;      // set
        public String name;          // del
        public List<Contact> contacts; // snapshot
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Contact {
        public String name;
        public String remoteId;
        public Pad pad;

        Contact copy() {
            Contact c = new Contact();
            c.name = name;
            c.remoteId = remoteId;
            c.pad = pad == null ? null : pad.copy();
            return c;
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Pad {
        public String file;          // file name on the medium (random hex)
        public String fileSalt;      // hex, HKDF salt of the chunk key
        public long size;
        public int chunkSize;
        public String padId;         // hex of the first 16 bytes (public)
        public String source;        // hrng+kernel | kernel | imported | restored
        public String kind;          // message | site-link
        public long split;
        public long sendUsed;        // bytes consumed in our own direction
        public long receiveFrontier; // furthest stream offset of the peer's direction we opened
        public List<long[]> opened = new ArrayList<>(); // absolute ranges opened (peer's half)
        public long nonceReserved;   // chunk write counter values reserved in the journal
        public boolean expired;
        public String expiredBy;     // "local" | "peer"
        public long lowThreshold;    // bytes; warn when our remaining drops below
        public long created;         // epoch millis

        Pad copy() {
            Pad p = new Pad();
            p.file = file;
            p.fileSalt = fileSalt;
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
            p.nonceReserved = nonceReserved;
            p.expired = expired;
            p.expiredBy = expiredBy;
            p.lowThreshold = lowThreshold;
            p.created = created;
            return p;
        }
    }
}
