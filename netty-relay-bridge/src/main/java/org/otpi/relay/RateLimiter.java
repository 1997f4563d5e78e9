package org.otpi.relay;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * One {@link TokenBucket} per key (account, or remote address for unauthenticated calls).
 * Full buckets are forgotten by {@link #sweep()} so the map stays bounded by the active keys.
 */
final class RateLimiter {
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final double perSecond;
    private final int burst;
    private final LongSupplier nanoClock;

    RateLimiter(double perSecond, int burst, LongSupplier nanoClock) {
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
    }

    boolean tryAcquire(String key) {
        long now = nanoClock.getAsLong();
        return buckets.computeIfAbsent(key, k -> new TokenBucket(perSecond, burst, now)).tryTake(now);
    }

    void sweep() {
        long now = nanoClock.getAsLong();
        buckets.values().removeIf(b -> b.isFull(now));
    }

    int size() {
        return buckets.size();
    }
}
