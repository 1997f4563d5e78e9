package org.otpi.relay.store;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the relay keeps accounts and queued packages. Two implementations share one test suite:
 * {@link SqliteRelayStore} (one node, the default) and {@link PostgresRelayStore} (several nodes
 * on one database, cross-node push through LISTEN/NOTIFY).
 *
 * <p>Reference numbers: every stored package gets a {@code ref} from one counter for the whole
 * relay. Refs are committed in increasing order (writers serialize on the counter row), so a
 * reader that has seen ref {@code r} will never later see a new package with a ref below
 * {@code r}: "fetch from ref" never misses a package that was committed after the fetch.
 *
 * <p>Thread-safety: all methods may be called from any thread. Writes are queued to one writer
 * thread per store and committed in batches; the calling thread blocks until its write is
 * committed (durable to the store's configured level) and gets the result or a
 * {@link RelayStoreException}.
 */
public interface RelayStore extends AutoCloseable {

    /** Creates an account; returns false (and changes nothing) if the uid is taken. */
    boolean createAccount(String uid, byte[] tokenHash, long nowMillis);

    /** The stored token hash of an account, if it exists. */
    Optional<byte[]> tokenHash(String uid);

    /**
     * Stores one package for each recipient, in the order given, and returns the stored rows
     * (one per recipient, same order). Listeners registered with {@link #onAppended} on every
     * node sharing this store hear about them after the commit.
     */
    List<StoredMessage> append(String sender, List<String> recipients, String contents, long nowMillis);

    /**
     * Like {@link #append} without blocking the caller: the future completes on the store's
     * writer thread after the commit (callbacks must be short), or fails with
     * {@link RelayStoreException}.
     */
    default java.util.concurrent.CompletableFuture<List<StoredMessage>> appendAsync(
            String sender, List<String> recipients, String contents, long nowMillis) {
        try {
            return java.util.concurrent.CompletableFuture.completedFuture(append(sender, recipients, contents, nowMillis));
        } catch (RelayStoreException e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** Queued (not acknowledged) packages for a recipient with {@code ref >= fromRef}, ascending, at most {@code limit}. */
    List<StoredMessage> fetch(String recipient, long fromRef, int limit);

    /** Deletes the recipient's packages with the given refs; returns how many were deleted. Refs of other recipients are ignored. */
    int ack(String recipient, Collection<Long> refs);

    /** The ref the next stored package will get (the paper's {@code /getnextref}). */
    long nextRef();

    /** Registered accounts, ordered by uid, at most {@code limit}. */
    List<UserRecord> users(int limit);

    /** Records that these accounts were active at {@code nowMillis} (presence across nodes). */
    void touch(Collection<String> uids, long nowMillis);

    /** Number of queued packages for a recipient (used for the per-recipient queue limit). */
    int queued(String recipient);

    /** Deletes queued packages stored before {@code cutoffMillis}; returns how many. */
    int purgeOlderThan(long cutoffMillis);

    /**
     * Registers a listener for packages appended through any node sharing this store (this node
     * at once after commit; other nodes through the database's notification channel). Called on
     * a store thread: the listener must not block.
     */
    void onAppended(Consumer<List<StoredMessage>> listener);

    /** Stops the writer (after committing what is queued) and closes connections. */
    @Override
    void close();
}
