package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Token bucket and rate limiter against a fake clock: a numbered table of steps. */
class TokenBucketTest {
    private static final long MS = 1_000_000L;

    /** step: at time t (ms), try to take; expect allowed or not. Bucket: 2 per second, capacity 3. */
    private static final Object[][] STEPS = {
        {1, 0L, true}, {2, 0L, true}, {3, 0L, true}, // full bucket: the burst
        {4, 0L, false},                              // empty
        {5, 499L, false},                            // 0.998 tokens: not yet
        {6, 500L, true},                             // one token after 500 ms
        {7, 500L, false},
        {8, 10_000L, true}, {9, 10_000L, true}, {10, 10_000L, true}, // refilled, but only to capacity
        {11, 10_000L, false},
        {12, 9_000L, false},                         // a clock going backwards gives nothing
        {13, 10_500L, true},
    };

    @Test
    void steps() {
        TokenBucket b = new TokenBucket(2, 3, 0);
        List<String> failures = new ArrayList<>();
        for (Object[] s : STEPS) {
            boolean got = b.tryTake((Long) s[1] * MS);
            if (got != (Boolean) s[2]) {
                failures.add("step " + s[0] + ": expected " + s[2] + " at " + s[1] + " ms");
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void limiter_keepsOneBucketPerKey_andForgetsFullOnes() {
        AtomicLong now = new AtomicLong();
        RateLimiter l = new RateLimiter(1, 2, now::get);
        assertTrue(l.tryAcquire("a"));
        assertTrue(l.tryAcquire("a"));
        assertEquals(false, l.tryAcquire("a"));
        assertTrue(l.tryAcquire("b"), "b has its own bucket");
        assertEquals(2, l.size());
        l.sweep();
        assertEquals(2, l.size(), "partly used buckets are kept");
        now.set(5_000 * MS);
        l.sweep();
        assertEquals(0, l.size(), "refilled buckets are forgotten");
        assertTrue(l.tryAcquire("a"));
    }

    @Test
    void charge_goesIntoDebt_whichIsWaitedOut() {
        TokenBucket b = new TokenBucket(2, 3, 0);
        b.charge(0, 7);                       // 3 - 7 = -4: a debt
        assertEquals(-3.0, b.level(0), 1e-9, "floored at minus the capacity");
        assertEquals(false, b.tryTake(1_999 * MS), "at 1.999 s: 0.998 tokens");
        assertEquals(true, b.tryTake(2_000 * MS), "after 2 s the debt is paid and one token is back");
        assertEquals(500 * MS, b.nanosUntilToken(2_000 * MS), "0 tokens: 500 ms until the next");
        b.set(-1, 3_000 * MS);
        assertEquals(1_000 * MS, b.nanosUntilToken(3_000 * MS), "set from elsewhere (the shared balance)");
        AtomicLong now = new AtomicLong();
        RateLimiter l = new RateLimiter(1, 10, now::get);
        assertTrue(l.tryAcquire("a", 25), "one token is enough to start an expensive request");
        assertEquals(false, l.tryAcquire("a"), "which leaves a debt");
        now.set(16_000 * MS);
        assertTrue(l.tryAcquire("a"));
    }
}
