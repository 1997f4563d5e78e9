package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.pad.RangeSet;

/** Concurrent seals on one contact never share pad; different contacts proceed independently. */
class ConcurrencyTest {

    @Test
    void concurrentSeals_getDisjointRanges_andAllOpen(@TempDir Path dir) throws Exception {
        byte[] padB = TestVaults.pad(10, 256 * 1024);
        byte[] padC = TestVaults.pad(11, 256 * 1024);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob");
             Vault carol = TestVaults.create(dir, "carol")) {
            TestVaults.share(alice, "bob", bob, "alice", padB);
            TestVaults.share(alice, "carol", carol, "alice", padC);
            List<Sealed> toBob = Collections.synchronizedList(new ArrayList<>());
            List<Sealed> toCarol = Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                final int thread = t;
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        byte[] m = ("t" + thread + " m" + i).getBytes();
                        boolean bobSide = (thread + i) % 3 != 0;
                        Sealed s = alice.seal(bobSide ? "bob" : "carol", m, i % 2 == 0 ? SealOptions.V2 : SealOptions.OTC_V1);
                        (bobSide ? toBob : toCarol).add(s);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            pool.shutdown();
            assertEquals(320, toBob.size() + toCarol.size());
            check(toBob, bob);
            check(toCarol, carol);
        }
    }

    private static void check(List<Sealed> sealed, Vault receiver) throws Exception {
        RangeSet used = new RangeSet();
        for (Sealed s : sealed) {
            assertFalse(used.overlaps(s.index(), s.index() + s.padCost()), "two seals got overlapping pad");
            used.add(s.index(), s.index() + s.padCost());
            Opened o = receiver.open("alice", s.packageBytes());
            org.junit.jupiter.api.Assertions.assertTrue(new String(o.message()).matches("t[0-7] m[0-9]+"));
        }
        assertEquals(used.total(), receiver.stats("alice").receiveUsed(), "ranges not contiguous");
    }
}
