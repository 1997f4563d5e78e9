package org.otpi.appliance.tunnel;

/**
 * Sliding-window replay filter over 64-bit sequence numbers, after RFC 6479 (a ring of 64-bit
 * words; sliding forward clears whole words, no shifting).
 *
 * <p>Rule: a sequence is accepted if it is above every sequence accepted so far, or if it is
 * within {@link ProtocolConstants#REPLAY_WINDOW} of the highest ({@code top - seq < 4096}) and
 * not seen before. Everything else is a replay. (The note's window also accepts
 * {@code top - 4096} itself; one packet of difference at the edge, harmless for interop.)
 *
 * <p>Not thread-safe: the session guards it with a lock.
 */
final class ReplayWindow {

    private static final int WINDOW = ProtocolConstants.REPLAY_WINDOW;
    private static final int WORDS = WINDOW / Long.SIZE + 1;

    private final long[] ring = new long[WORDS];
    private long top = -1;

    /** True if {@link #accept} would accept {@code seq}; changes nothing. */
    boolean check(long seq) {
        if (seq < 0) {
            return false;
        }
        if (seq > top) {
            return true;
        }
        if (top - seq >= WINDOW) {
            return false;
        }
        return (ring[index(seq)] & bit(seq)) == 0;
    }

    /** Marks {@code seq} seen; returns false (and changes nothing) if it is a replay or too old. */
    boolean accept(long seq) {
        if (!check(seq)) {
            return false;
        }
        if (seq > top) {
            long current = top < 0 ? -1 : top >>> 6;
            long target = seq >>> 6;
            long clear = Math.min(target - current, WORDS);
            for (long i = 1; i <= clear; i++) {
                ring[(int) ((current + i) % WORDS)] = 0;
            }
            top = seq;
        }
        ring[index(seq)] |= bit(seq);
        return true;
    }

    /** Highest accepted sequence, or -1. */
    long top() {
        return top;
    }

    /** Lowest sequence that could still be accepted. */
    long lowestAcceptable() {
        return Math.max(0, top - WINDOW + 1);
    }

    private static int index(long seq) {
        return (int) ((seq >>> 6) % WORDS);
    }

    private static long bit(long seq) {
        return 1L << (seq & 63);
    }
}
