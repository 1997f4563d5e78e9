package org.otpi.relay;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code perSecond}.
 * Thread-safe (synchronized; one bucket per account, so contention is per account). The level
 * may be set below zero (a debt, when spending on other nodes is learnt late): it then refuses
 * until it has refilled past one token.
 */
final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long lastNanos;

    TokenBucket(double perSecond, int capacity, long nowNanos) {
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    /** Takes one token if there is one. */
    synchronized boolean tryTake(long nowNanos) {
        return tryTake(nowNanos, 1);
    }

    /** Takes {@code n} tokens if there are that many (at least one must be there; a larger cost may leave a debt). */
    synchronized boolean tryTake(long nowNanos, int n) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= n;
            return true;
        }
        return false;
    }

    /** Takes {@code n} tokens whatever the level (it may go into debt, floored at minus the capacity). */
    synchronized void charge(long nowNanos, int n) {
        refill(nowNanos);
        tokens = Math.max(-capacity, tokens - n);
    }

    /** True when the bucket has been refilled to capacity (so it may be forgotten). */
    synchronized boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }

    /** Sets the level (at most the capacity; may be negative) as of {@code nowNanos}. */
    synchronized void set(double level, long nowNanos) {
        tokens = Math.min(capacity, level);
        lastNanos = nowNanos;
    }

    synchronized double level(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    /** Nanoseconds until a token is available (0 if one is). */
    synchronized long nanosUntilToken(long nowNanos) {
        refill(nowNanos);
        return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
    }
}
