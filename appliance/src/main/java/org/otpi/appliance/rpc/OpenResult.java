package org.otpi.appliance.rpc;

import java.util.Objects;
import java.util.Set;

/**
 * An authenticated plaintext and what the device noticed while opening it.
 *
 * @param plaintext        the message
 * @param warnings         replay, skip, late or peer-expired findings; shown to the person
 * @param receiveRemaining pad bytes the contact may still use towards us
 * @param index            the pad index the package used (the key of the kept copy)
 * @param repeat           this very package was opened before and not yet confirmed: this is the
 *                         kept copy, not a replay attack
 */
public record OpenResult(byte[] plaintext, Set<Warning> warnings, long receiveRemaining, long index, boolean repeat) {
    public OpenResult {
        Objects.requireNonNull(plaintext, "plaintext");
        warnings = Set.copyOf(warnings);
    }

    @Override
    public String toString() {
        return "OpenResult[" + plaintext.length + " bytes, warnings=" + warnings + ", index=" + index
                + ", repeat=" + repeat + "]";
    }
}
