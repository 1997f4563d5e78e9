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
 * @param shownOnDevice    the message was kept for the device's screen only: {@code plaintext}
 *                         is empty and must stay so
 */
public record OpenResult(byte[] plaintext, Set<Warning> warnings, long receiveRemaining, long index, boolean repeat,
                         boolean shownOnDevice) {
    public OpenResult {
        Objects.requireNonNull(plaintext, "plaintext");
        warnings = Set.copyOf(warnings);
        if (shownOnDevice && plaintext.length != 0) {
            throw new IllegalArgumentException("a message shown on the device carries no plaintext");
        }
    }

    /** A message opened for the laptop. */
    public OpenResult(byte[] plaintext, Set<Warning> warnings, long receiveRemaining, long index, boolean repeat) {
        this(plaintext, warnings, receiveRemaining, index, repeat, false);
    }

    @Override
    public String toString() {
        return "OpenResult[" + plaintext.length + " bytes, warnings=" + warnings + ", index=" + index
                + ", repeat=" + repeat + ", shownOnDevice=" + shownOnDevice + "]";
    }
}
