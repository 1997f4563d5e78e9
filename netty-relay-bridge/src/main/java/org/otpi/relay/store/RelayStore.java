package org.otpi.relay.store;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Where the relay keeps accounts and queued packages. Two implementations share one test suite:
 * {@link SqliteRelayStore} (one node, the default) and {@link PostgresRelayStore} (several nodes
 * on one database, cross-node push through LISTEN/NOTIFY, rate limits shared through a table).
 *
 * <p>Reference numbers: every queued package gets a {@code ref} per recipient from one counter for
 * the whole relay. Refs are committed in increasing order (writers serialize on the counter row),
 * so a reader that has seen ref {@code r} will never later see a new package with a ref below
 * {@code r}: "fetch from ref" never misses a package that was committed after the fetch.
 *
 * <p>A send to several recipients stores its contents once ({@code packages}) and one small row
 * per recipient ({@code queue}); the contents go when the last recipient acknowledges.
 *
 * <p>Per-recipient quotas (packages and bytes) are counted in the account row and checked in the
 * same transaction as the insert, so they hold exactly, across nodes too.
 *
 * <p>Thread-safety: all methods may be called from any thread. Writes are queued to one writer
 * thread per store and committed in batches; the caller gets the result after the commit
 * (durable to the store's configured level) or a {@link RelayStoreException}. A lost database
 * connection is replaced and the batch retried; a batch whose commit was cut off is looked up
 * by its id first, so it is never applied twice.
 */
public interface RelayStore extends AutoCloseable {

    // ------------------------------------------------------------ accounts

    /** Creates an account; returns false (and changes nothing) if the uid is taken. No invite, no rate limit. */
    boolean createAccount(String uid, byte[] tokenHash, long nowMillis);

    /** Creates an account after the shared registration rate limit and, if given, the invite code. */
    Registration.Outcome register(Registration registration);

    /** Stores invite codes (their SHA-256), each good for one registration until {@code expiresMillis}. */
    void addInvites(Collection<byte[]> codeHashes, long nowMillis, long expiresMillis);

    /** The stored token hash of an account, if it exists. */
    Optional<byte[]> tokenHash(String uid);

    /** One account, if it exists. */
    Optional<UserRecord> account(String uid);

    /** Registered accounts, ordered by uid, at most {@code limit}. */
    List<UserRecord> users(int limit);

    /**
     * Accounts to list in discovery: first those active (an authenticated request) since
     * {@code activeSinceMillis}, most recent first; then, to fill up to {@code limit}, accounts
     * registered since {@code registeredSinceMillis} that have not been active yet, newest first.
     */
    List<UserRecord> listedUsers(long activeSinceMillis, long registeredSinceMillis, int limit);

    /** Records that these accounts were active at {@code nowMillis} (presence across nodes). */
    void touch(Collection<String> uids, long nowMillis);

    // ------------------------------------------------------------ packages

    /**
     * Stores one package for each recipient, in the order given, and returns the stored rows
     * (one per recipient, same order). No account check, quota or key: see {@link #appendAsync(AppendRequest)}.
     */
    List<StoredMessage> append(String sender, List<String> recipients, String contents, long nowMillis);

    /** Like {@link #append} without blocking the caller. */
    default CompletableFuture<List<StoredMessage>> appendAsync(String sender, List<String> recipients, String contents,
                                                              long nowMillis) {
        return appendAsync(AppendRequest.unchecked(sender, recipients, contents, nowMillis)).thenApply(AppendResult::stored);
    }

    /**
     * Checks (accounts, quotas, idempotency key) and stores in one transaction, without blocking
     * the caller: the future completes on the store's writer thread after the commit (callbacks
     * must be short), or fails with {@link RelayStoreException}.
     */
    CompletableFuture<AppendResult> appendAsync(AppendRequest request);

    /** Queued packages for a recipient with {@code ref >= fromRef}, ascending, at most {@code limit}. */
    default List<StoredMessage> fetch(String recipient, long fromRef, int limit) {
        return fetch(recipient, fromRef, limit, Long.MAX_VALUE);
    }

    /**
     * Like {@link #fetch(String, long, int)}, and at most {@code maxBytes} of contents in all, except
     * that the first package is returned even when it alone is larger (so paging always moves on).
     */
    default List<StoredMessage> fetch(String recipient, long fromRef, int limit, long maxBytes) {
        return fetch(recipient, fromRef, limit, maxBytes, bytes -> true);
    }

    /**
     * Like {@link #fetch(String, long, int, long)}, in two steps: the page is chosen from the
     * packages' sizes alone, then {@code beforeLoading} is told the exact bytes of contents it
     * holds (the relay reserves memory for them) and may refuse, in which case nothing is loaded
     * and null is returned. What is then loaded is never more than that: rows can only have been
     * acknowledged in between, and refs beyond the page are not read.
     */
    List<StoredMessage> fetch(String recipient, long fromRef, int limit, long maxBytes, java.util.function.LongPredicate beforeLoading);

    /** Deletes the recipient's packages with the given refs; returns how many were deleted. Refs of other recipients are ignored. */
    int ack(String recipient, Collection<Long> refs);

    /** Like {@link #ack} without blocking the caller (the future completes after the commit). */
    default CompletableFuture<Integer> ackAsync(String recipient, Collection<Long> refs) {
        try {
            return CompletableFuture.completedFuture(ack(recipient, refs));
        } catch (RelayStoreException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The ref the next stored package will get (the paper's {@code /getnextref}). */
    long nextRef();

    /** Number of queued packages for a recipient. */
    int queued(String recipient);

    /** Bytes queued for a registered recipient (what the byte quota counts); 0 for an unknown uid. */
    long queuedBytes(String recipient);

    /** Deletes queued packages stored before {@code cutoffMillis}; returns how many queue rows were deleted. */
    int purgeOlderThan(long cutoffMillis);

    /**
     * Deletes idempotency keys stored before {@code cutoffMillis}, and the store's own bookkeeping
     * (batch ids kept to resolve cut-off commits, idle rate buckets) older than an hour; returns
     * how many keys were deleted.
     */
    int purgeIdempotencyKeys(long cutoffMillis);

    // ------------------------------------------------------------ operations

    /** True if the database answers now (a read through the pool, bounded by a short timeout). */
    boolean ping();

    /** True when several nodes share this store, so that rate limits must be shared through it. */
    default boolean sharesLimits() {
        return false;
    }

    /**
     * Spends tokens from shared token buckets and returns what is left in each (negative = in
     * debt: this node must refuse until it refills). Only meaningful when {@link #sharesLimits()}.
     *
     * @param spent tokens spent on this node per key since the last call
     */
    default Map<String, Double> spendShared(Map<String, Integer> spent, double perSecond, int burst, long nowMillis) {
        return Map.of();
    }

    /**
     * Registers a listener for packages appended through any node sharing this store (this node
     * at once after commit; other nodes through the database's notification channel, with the
     * range missed while that channel was down read again after it comes back). Only packages
     * whose recipient {@code wanted} accepts are loaded and delivered. Called on a store thread:
     * the listener must not block. A package may be delivered more than once.
     */
    void onAppended(Predicate<String> wanted, Consumer<List<StoredMessage>> listener);

    /**
     * {@link #onAppended(Predicate, Consumer)}, with {@code anyone}: while it is false (no live
     * session on this node) other nodes' appends are not even looked at.
     */
    default void onAppended(java.util.function.BooleanSupplier anyone, Predicate<String> wanted,
                            Consumer<List<StoredMessage>> listener) {
        onAppended(wanted, listener);
    }

    /** {@link #onAppended(Predicate, Consumer)} for every recipient. */
    default void onAppended(Consumer<List<StoredMessage>> listener) {
        onAppended(r -> true, listener);
    }

    /** Stops the writer (after committing what is queued) and closes connections. */
    @Override
    void close();
}
