package org.otpi.relay;

/**
 * A token bucket: {@code capacity} tokens, refilled continuously at {@code perSecond}.
 * Thread-safe (synchronized; one bucket per account, so contention is per account).
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
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    /** True when the bucket has been refilled to capacity (so it may be forgotten). */
    synchronized boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perNano);
            lastNanos = nowNanos;
        }
    }
}
