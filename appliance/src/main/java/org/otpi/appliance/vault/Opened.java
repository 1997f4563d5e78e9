package org.otpi.appliance.vault;

import java.util.List;

/**
 * The result of an authenticated open.
 *
 * @param message  the plaintext
 * @param warnings what the person should know (skips, late arrivals, peer expiry)
 * @param index    absolute pad index of the package
 * @param repeat   this very package was opened here before and its client never confirmed it:
 *                 the same message again (its pad was kept for this), not a replay attack
 */
public record Opened(byte[] message, List<Warning> warnings, long index, boolean repeat) {

    public Opened(byte[] message, List<Warning> warnings, long index) {
        this(message, warnings, index, false);
    }

    /** Things worth telling the person about an accepted package. */
    public enum Warning {
        /** Pad between the last package and this one was never seen: a message may be missing. */
        SKIP,
        /** This package fills an earlier gap: it arrived out of order. */
        LATE,
        /** The sender retired the pad with this (authenticated) message. */
        EXPIRED_BY_PEER
    }
}
