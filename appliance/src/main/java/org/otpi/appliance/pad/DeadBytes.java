package org.otpi.appliance.pad;

/**
 * The bytes of a pad that must never be read again (sent, opened, destroyed), as the pad store
 * asks about them: one chunk at a time. Implementations may be patterns (a site-link pad's
 * destroyed key halves) rather than lists, so that a million destroyed slots cost nothing.
 */
public interface DeadBytes {
    /** True if every byte of [lo, hi) is dead. */
    boolean covers(long lo, long hi);

    /** The dead bytes within [lo, hi), as a set (callers ask for one chunk's worth). */
    RangeSet within(long lo, long hi);
}
