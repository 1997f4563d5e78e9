package org.otpi.relay;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.otpi.relay.store.RelayStore;

/**
 * One {@link TokenBucket} per key (account, or client address for unauthenticated calls).
 * Full buckets are forgotten by {@link #sweep()} so the map stays bounded by the active keys.
 *
 * <p>Shared across nodes: each node decides from its own buckets at once (no database round
 * trip per request) and counts what it spent; {@link #sync} adds those counts to the shared
 * buckets in the database (PostgreSQL) and sets the local buckets to the shared balance. A key's
 * spending is sent once it reaches a quarter of the burst (or after five seconds), so the
 * database sees work only for keys that spend a lot: the shared buckets lag by at most a
 * quarter burst per node. So a client spreading its requests over N nodes gets the rate of one,
 * give or take N quarter bursts, which it then owes (a negative balance refuses until repaid).
 */
final class RateLimiter {
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> spent = new ConcurrentHashMap<>();
    /** When each key's spending was last sent (nanoTime). */
    private final ConcurrentHashMap<String, Long> lastSent = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoClock;
    private final String prefix;
    private volatile boolean shared;

    RateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        this(perSecond, burst, nanoClock, "");
    }

    /** @param prefix names this limiter's keys in the shared table, e.g. {@code "acct:"} */
    RateLimiter(double perSecond, int burst, LongSupplier nanoClock, String prefix) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.prefix = prefix;
    }

    /** Count spending for {@link #sync} from now on. */
    void share() {
        shared = true;
    }

    boolean tryAcquire(String key) {
        return tryAcquire(key, 1);
    }

    /**
     * Spends {@code cost} tokens if the bucket holds at least one; a cost larger than what is
     * left leaves a debt that later requests wait out. So an expensive request is never refused
     * for its size alone, but its sender pays for it.
     */
    boolean tryAcquire(String key, int cost) {
        long now = nanoClock.getAsLong();
        boolean ok = buckets.computeIfAbsent(key, k -> new TokenBucket(perSecond, burst, now)).tryTake(now, cost);
        if (ok && shared) {
            spent.computeIfAbsent(key, k -> new AtomicInteger()).addAndGet(cost);
        }
        return ok;
    }

    /** Spends {@code cost} tokens whatever is left (a debt that later requests wait out). */
    void charge(String key, int cost) {
        long now = nanoClock.getAsLong();
        buckets.computeIfAbsent(key, k -> new TokenBucket(perSecond, burst, now)).charge(now, cost);
        if (shared) {
            spent.computeIfAbsent(key, k -> new AtomicInteger()).addAndGet(cost);
        }
    }

    /** Nanoseconds until {@code key} may act again. */
    long nanosUntilToken(String key) {
        TokenBucket b = buckets.get(key);
        return b == null ? 0 : b.nanosUntilToken(nanoClock.getAsLong());
    }

    /**
     * Sends what this node spent since the last call to the shared buckets and adopts their
     * balance (less what was spent here meanwhile). Blocks on the store.
     */
    void sync(RelayStore store, long nowMillis) {
        if (!shared || spent.isEmpty()) {
            return;
        }
        Map<String, Integer> batch = new HashMap<>();
        long nowNanos = nanoClock.getAsLong();
        int threshold = Math.max(1, burst / 4);
        for (Map.Entry<String, AtomicInteger> e : spent.entrySet()) {
            Long last = lastSent.get(e.getKey());
            boolean stale = last == null ? false : nowNanos - last > STALE_NANOS;
            if (last == null) {
                lastSent.put(e.getKey(), nowNanos);
            }
            if (e.getValue().get() < threshold && !stale) {
                continue;
            }
            int n = e.getValue().getAndSet(0);
            if (n > 0) {
                batch.put(prefix + e.getKey(), n);
            }
            lastSent.put(e.getKey(), nowNanos);
            spent.remove(e.getKey(), e.getValue()); // a racing increment recreates the entry
        }
        if (batch.isEmpty()) {
            return;
        }
        Map<String, Double> balance = store.spendShared(batch, perSecond, burst, nowMillis);
        long now = nanoClock.getAsLong();
        for (Map.Entry<String, Double> e : balance.entrySet()) {
            String key = e.getKey().substring(prefix.length());
            AtomicInteger since = spent.get(key);
            double level = e.getValue() - (since == null ? 0 : since.get());
            buckets.computeIfAbsent(key, k -> new TokenBucket(perSecond, burst, now)).set(level, now);
        }
    }

    private static final long STALE_NANOS = 5_000_000_000L;

    void sweep() {
        long now = nanoClock.getAsLong();
        buckets.entrySet().removeIf(e -> e.getValue().isFull(now) && !spent.containsKey(e.getKey()));
        lastSent.entrySet().removeIf(e -> !spent.containsKey(e.getKey()) && now - e.getValue() > STALE_NANOS);
    }

    int size() {
        return buckets.size();
    }
}
