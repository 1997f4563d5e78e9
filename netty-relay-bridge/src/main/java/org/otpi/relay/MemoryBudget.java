package org.otpi.relay;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What keeps the relay from running out of memory, by construction: every large thing it holds
 * for a client (a request body while it is read, parsed and stored; a fetch answer while it is
 * built and written; a WebSocket push until the socket takes it) is first reserved here, with a
 * generous multiple of its size for the copies the JVM makes. When the budget is spent the
 * request is refused (503) or the push skipped (the session is closed; the packages stay
 * queued), instead of the heap filling.
 *
 * <p>One key (a client address, an account) may hold at most {@code perKey} bytes, so one
 * abuser cannot take the budget from everyone else. Thread-safe.
 */
final class MemoryBudget {
    /** Bytes reserved per byte of request body: the network buffer, Jackson's char buffer (2 bytes a char), the String. */
    static final int BODY_FACTOR = 4;
    /** Bytes reserved per byte of fetch answer: the Strings read from the database, the JSON, its buffer. */
    static final int ANSWER_FACTOR = 4;
    /** Bytes reserved per byte of a WebSocket frame: the JSON text and the encoded frame. */
    static final int PUSH_FACTOR = 3;

    private final long capacity;
    private final long perKey;
    private final AtomicLong used = new AtomicLong();
    private final ConcurrentHashMap<String, Long> byKey = new ConcurrentHashMap<>();
    private final AtomicLong refusals = new AtomicLong();

    MemoryBudget(long capacity, long perKey) {
        if (capacity < 1 || perKey < 1) {
            throw new IllegalArgumentException("budget");
        }
        this.capacity = capacity;
        this.perKey = Math.min(perKey, capacity);
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return used.get();
    }

    long refusals() {
        return refusals.get();
    }

    /** Bytes held by one key now. */
    long usedBy(String key) {
        return byKey.getOrDefault(key, 0L);
    }

    /**
     * Reservations up to this size may use the whole budget; larger ones only all but an eighth
     * of it. The eighth kept back is for the many small requests of ordinary use, so that large
     * fetches and bodies (however many accounts and addresses send them) cannot starve them.
     */
    static final long SMALL = 256 * 1024;

    /** Reserves {@code bytes} for {@code key}; null (nothing reserved) if the budget or the key's share would be passed. */
    Lease tryReserve(String key, long bytes) {
        long b = Math.max(0, bytes);
        long limit = b <= SMALL ? capacity : capacity - capacity / 8;
        boolean[] granted = {false};
        byKey.compute(key, (k, v) -> {
            long cur = v == null ? 0 : v;
            if (cur + b > perKey) {
                return v;
            }
            granted[0] = true;
            return cur + b;
        });
        if (granted[0] && used.addAndGet(b) > limit) {
            used.addAndGet(-b);
            giveBack(key, b);
            granted[0] = false;
        }
        if (!granted[0]) {
            refusals.incrementAndGet();
            return null;
        }
        return new Lease(key, b);
    }

    private void giveBack(String key, long b) {
        byKey.computeIfPresent(key, (k, v) -> v - b <= 0 ? null : v - b);
    }

    /** Reserved bytes; give them back once with {@link #release()} (further calls do nothing). */
    final class Lease {
        private final String key;
        private final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        private Lease(String key, long bytes) {
            this.key = key;
            this.bytes = bytes;
        }

        long bytes() {
            return bytes;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                used.addAndGet(-bytes);
                giveBack(key, bytes);
            }
        }
    }
}
