package org.otpi.relay.store;

import java.util.List;

/**
 * What became of an {@link AppendRequest}.
 *
 * @param outcome stored, answered from an earlier request with the same key, or refused
 * @param refs one ref per recipient, same order (empty when refused)
 * @param stored the rows this request stored (empty for a replay or a refusal)
 * @param refusedFor the recipient that caused {@code UNKNOWN_RECIPIENT} or {@code QUEUE_FULL}, else null
 */
public record AppendResult(Outcome outcome, List<Long> refs, List<StoredMessage> stored, String refusedFor) {
    /** Why a send was or was not stored. */
    public enum Outcome {
        /** Stored now. */
        STORED,
        /** The same sender already sent with this key: nothing stored, {@code refs} are the first request's. */
        REPLAYED,
        /** A recipient is not a registered account. */
        UNKNOWN_RECIPIENT,
        /** A recipient's queue is at its package or byte quota. */
        QUEUE_FULL,
        /** The key was used by this sender for a different package. */
        KEY_REUSED
    }

    public AppendResult {
        refs = List.copyOf(refs);
        stored = List.copyOf(stored);
    }

    public AppendResult(Outcome outcome, List<Long> refs, List<StoredMessage> stored) {
        this(outcome, refs, stored, null);
    }

    static AppendResult refused(Outcome why) {
        return new AppendResult(why, List.of(), List.of(), null);
    }

    static AppendResult refused(Outcome why, String recipient) {
        return new AppendResult(why, List.of(), List.of(), recipient);
    }

    public boolean accepted() {
        return outcome == Outcome.STORED || outcome == Outcome.REPLAYED;
    }
}
