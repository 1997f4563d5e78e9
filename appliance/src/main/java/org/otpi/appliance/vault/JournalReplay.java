package org.otpi.appliance.vault;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rebuilds the vault's contacts from its journal records (see {@link VaultState} for the record
 * types): whole contacts from {@code set} and {@code snapshot}, each pad's ledger moved on by the
 * deltas. A record for an unknown pad, or a contact before the device record, is damage.
 */
final class JournalReplay {
    String deviceId;
    Long keepOpenedMillis;
    final Map<String, VaultState.Contact> contacts = new TreeMap<>();
    final Map<String, PadLedger> ledgers = new TreeMap<>();

    void apply(VaultState.Record rec) throws IOException {
        switch (rec.op) {
            case "device" -> deviceId = rec.deviceId;
            case "set" -> put(rec.contact);
            case "del" -> {
                contacts.remove(rec.name);
                ledgers.remove(rec.name);
            }
            case "snapshot" -> {
                deviceId = rec.deviceId;
                keepOpenedMillis = rec.keepOpenedMillis;
                contacts.clear();
                ledgers.clear();
                for (VaultState.Contact c : rec.contacts) {
                    put(c);
                }
            }
            case "send" -> ledger(rec).applySend(rec.sendUsed);
            case "open" -> ledger(rec).applyOpen(rec.lo, rec.hi, Boolean.TRUE.equals(rec.keep),
                    rec.at == null ? 0 : rec.at);
            case "confirm" -> ledger(rec).applyConfirm(rec.lo);
            case "slots" -> ledger(rec).applySlots(rec.half, rec.below);
            case "unblock" -> ledger(rec).pad.sendBlocked = null;
            case "settings" -> keepOpenedMillis = rec.keepOpenedMillis;
            default -> throw new IOException("unknown journal record");
        }
    }

    private void put(VaultState.Contact c) throws IOException {
        if (deviceId == null) {
            throw new IOException("contact before the device record");
        }
        contacts.put(c.name, c);
        if (c.pad != null) {
            ledgers.put(c.name, new PadLedger(deviceId, c));
        } else {
            ledgers.remove(c.name);
        }
    }

    private PadLedger ledger(VaultState.Record rec) throws IOException {
        PadLedger l = ledgers.get(rec.name);
        if (l == null) {
            throw new IOException("record for an unknown pad");
        }
        return l;
    }

    /** The contacts with their ledgers' state folded in. */
    Map<String, VaultState.Contact> resolved() {
        Map<String, VaultState.Contact> out = new TreeMap<>();
        contacts.forEach((n, c) -> out.put(n, ledgers.containsKey(n) ? ledgers.get(n).snapshot() : c));
        return out;
    }
}
