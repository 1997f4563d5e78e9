package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    @Test
    void reservations_stopAtTheCapacity_andAtEachKeysShare() {
        MemoryBudget b = new MemoryBudget(1000, 400);
        MemoryBudget.Lease a1 = b.tryReserve("a", 300);
        assertNotNull(a1);
        assertNull(b.tryReserve("a", 200), "a's share is 400");
        MemoryBudget.Lease b1 = b.tryReserve("b", 400);
        MemoryBudget.Lease c1 = b.tryReserve("c", 300);
        assertNotNull(b1);
        assertNotNull(c1);
        assertNull(b.tryReserve("d", 1), "1,000 used");
        assertEquals(1000, b.used());
        a1.release();
        a1.release(); // twice gives back once
        assertEquals(700, b.used());
        assertNotNull(b.tryReserve("d", 300));
        assertEquals(0, b.usedBy("a"));
        assertEquals(2, b.refusals());
    }

    @Test
    void concurrentReserveAndRelease_neverPassTheCapacity_andEndAtZero() throws Exception {
        MemoryBudget b = new MemoryBudget(10_000, 3_000);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int me = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 20_000; i++) {
                        MemoryBudget.Lease l = b.tryReserve("k" + (me % 3), 100 + (i % 7) * 100);
                        if (b.used() > 10_000) {
                            throw new AssertionError("over capacity: " + b.used());
                        }
                        if (b.usedBy("k" + (me % 3)) > 3_000) {
                            throw new AssertionError("over the key's share");
                        }
                        if (l != null) {
                            l.release();
                        }
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, b.used());
    }
}
