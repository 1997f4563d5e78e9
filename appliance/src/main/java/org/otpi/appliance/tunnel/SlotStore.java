package org.otpi.appliance.tunnel;

import java.io.IOException;

/**
 * Where a link's key material lives: a sequence of 120-byte slots shared, byte for byte, by both
 * ends of the link (DESIGN section 10).
 *
 * <p>This is the seam to the vault. Implementations: {@link KeyFileSlotStore} (the note's key file,
 * for interop with its generator) and, later, a vault-backed store (a pad of kind "site link").
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #slotCount()} is fixed for the life of the store.</li>
 *   <li>{@link #read} returns a fresh {@link SlotSecret} the caller closes. Reading a slot whose
 *       half was destroyed returns that half as zeroes (the tunnel treats an all-zero half as
 *       gone).</li>
 *   <li>{@link #destroy} overwrites one direction's half of a slot on the medium and returns only
 *       once that is durable (fsync). It is idempotent. The tunnel calls it once a half can no
 *       longer be needed: after the sender moved past the slot, or after the receiver's replay
 *       window (and its durable floor) moved past it.</li>
 * </ul>
 * Implementations must be safe for concurrent use by several threads.
 */
public interface SlotStore extends AutoCloseable {

    /** Number of 120-byte slots. */
    long slotCount();

    /** Reads slot {@code index} (0-based). */
    SlotSecret read(long index) throws IOException;

    /** Durably overwrites the given direction's 60-byte half of slot {@code index}. */
    void destroy(long index, Direction direction) throws IOException;

    /**
     * Durably destroys {@code direction}'s half of slots {@code from} (inclusive) to {@code to}
     * (exclusive). Implementations may batch the fsync; the default destroys one by one.
     */
    default void destroyRange(long from, long to, Direction direction) throws IOException {
        for (long i = from; i < to; i++) {
            destroy(i, direction);
        }
    }

    @Override
    void close() throws IOException;
}
