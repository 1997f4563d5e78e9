package org.otpi.relay.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The one store suite; {@link SqliteRelayStoreTest} and {@link PostgresRelayStoreTest} run it. */
abstract class RelayStoreContract {
    RelayStore store;

    /** A new, empty store. */
    abstract RelayStore newStore();

    /** Closes {@code store} and opens the same data again. */
    abstract RelayStore reopen(RelayStore old);

    @BeforeEach
    void open() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private static byte[] hash(int seed) {
        byte[] b = new byte[32];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void createAccount_isUniqueAndKeepsHash() {
        assertTrue(store.createAccount("alice", hash(1), 1000));
        assertFalse(store.createAccount("alice", hash(2), 2000), "second registration of the same uid must fail");
        assertArrayEquals(hash(1), store.tokenHash("alice").orElseThrow(), "the first hash stays");
        assertTrue(store.tokenHash("bob").isEmpty());
    }

    @Test
    void append_givesIncreasingRefsOnePerRecipient() {
        List<StoredMessage> a = store.append("alice", List.of("bob", "carol"), "AAAA", 10);
        List<StoredMessage> b = store.append("bob", List.of("alice"), "BBBB", 11);
        assertEquals(2, a.size());
        assertEquals("bob", a.get(0).recipient());
        assertEquals("carol", a.get(1).recipient());
        assertTrue(a.get(0).ref() < a.get(1).ref());
        assertTrue(a.get(1).ref() < b.get(0).ref());
        assertEquals(b.get(0).ref() + 1, store.nextRef());
    }

    @Test
    void fetch_returnsOnlyTheRecipientsPackagesFromRefAscending() {
        long first = store.nextRef();
        for (int i = 0; i < 10; i++) {
            store.append("alice", List.of(i % 2 == 0 ? "bob" : "carol"), "M" + i + "==", 100 + i);
        }
        List<StoredMessage> bob = store.fetch("bob", 0, 100);
        assertEquals(5, bob.size());
        for (int i = 0; i < bob.size(); i++) {
            assertEquals("bob", bob.get(i).recipient());
            assertEquals("alice", bob.get(i).sender());
            assertEquals("M" + (2 * i) + "==", bob.get(i).contents());
            assertEquals(100 + 2 * i, bob.get(i).createdMillis());
            if (i > 0) {
                assertTrue(bob.get(i - 1).ref() < bob.get(i).ref());
            }
        }
        long third = bob.get(2).ref();
        List<StoredMessage> from = store.fetch("bob", third, 100);
        assertEquals(3, from.size(), "fetch from a ref includes that ref");
        assertEquals(third, from.get(0).ref());
        assertEquals(2, store.fetch("bob", first, 2).size(), "limit is honoured");
        assertTrue(store.fetch("dave", 0, 100).isEmpty());
    }

    @Test
    void ack_deletesOnlyTheRecipientsOwnPackages() {
        StoredMessage toBob = store.append("alice", List.of("bob"), "QQ==", 1).get(0);
        StoredMessage toCarol = store.append("alice", List.of("carol"), "Qg==", 1).get(0);
        assertEquals(0, store.ack("bob", List.of(toCarol.ref())), "bob cannot acknowledge carol's package");
        assertEquals(1, store.fetch("carol", 0, 10).size());
        assertEquals(1, store.ack("bob", List.of(toBob.ref(), toBob.ref() + 1000)));
        assertTrue(store.fetch("bob", 0, 10).isEmpty());
        assertEquals(0, store.ack("bob", List.of(toBob.ref())), "acknowledging twice deletes nothing more");
    }

    @Test
    void nextRef_neverGoesBackAfterAcknowledgingEverything() {
        StoredMessage m = store.append("alice", List.of("bob"), "QQ==", 1).get(0);
        store.ack("bob", List.of(m.ref()));
        assertEquals(m.ref() + 1, store.nextRef());
        StoredMessage n = store.append("alice", List.of("bob"), "QQ==", 1).get(0);
        assertEquals(m.ref() + 1, n.ref(), "refs are never reused");
    }

    @Test
    void reopen_keepsAccountsPackagesAndRefs() {
        store.createAccount("alice", hash(7), 5);
        StoredMessage m = store.append("bob", List.of("alice"), "Zm9v", 6).get(0);
        store = reopen(store);
        assertArrayEquals(hash(7), store.tokenHash("alice").orElseThrow());
        assertEquals(List.of(m), store.fetch("alice", 0, 10));
        assertEquals(m.ref() + 1, store.nextRef());
    }

    @Test
    void users_listsAccountsInOrderWithPresence() {
        store.createAccount("carol", hash(1), 1);
        store.createAccount("alice", hash(2), 1);
        store.touch(List.of("carol"), 5000);
        store.touch(List.of("carol"), 4000); // older: ignored
        List<UserRecord> users = store.users(10);
        assertEquals(List.of(new UserRecord("alice", 0), new UserRecord("carol", 5000)), users);
        assertEquals(1, store.users(1).size());
    }

    @Test
    void queuedAndPurge_countAndDeleteByAge() {
        store.append("a", List.of("bob"), "QQ==", 100);
        store.append("a", List.of("bob"), "QQ==", 200);
        store.append("a", List.of("bob"), "QQ==", 300);
        assertEquals(3, store.queued("bob"));
        assertEquals(2, store.purgeOlderThan(250));
        assertEquals(1, store.queued("bob"));
        assertEquals(300, store.fetch("bob", 0, 10).get(0).createdMillis());
    }

    @Test
    void listener_hearsEveryAppendAfterCommit() throws Exception {
        ConcurrentLinkedQueue<StoredMessage> heard = new ConcurrentLinkedQueue<>();
        CountDownLatch got = new CountDownLatch(3);
        store.onAppended(ms -> ms.forEach(m -> {
            heard.add(m);
            got.countDown();
        }));
        List<StoredMessage> sent = new ArrayList<>(store.append("alice", List.of("bob", "carol"), "QQ==", 1));
        sent.addAll(store.append("alice", List.of("bob"), "Qg==", 2));
        assertTrue(got.await(5, TimeUnit.SECONDS));
        assertEquals(Set.copyOf(sent), Set.copyOf(heard));
    }

    @Test
    void concurrentAppends_refsAreUniqueGapFreeAndAllStored() throws Exception {
        int threads = 16;
        int each = 60;
        long first = store.nextRef();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Long>>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int tt = t;
                fs.add(pool.submit(() -> {
                    List<Long> refs = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        refs.add(store.append("s" + tt, List.of("r" + (i % 3)), "QQ==", i).get(0).ref());
                    }
                    return refs;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : fs) {
                List<Long> mine = f.get(60, TimeUnit.SECONDS);
                for (int i = 1; i < mine.size(); i++) {
                    assertTrue(mine.get(i - 1) < mine.get(i), "one sender's refs increase");
                }
                all.addAll(mine);
            }
            Collections.sort(all);
            assertEquals(threads * each, new HashSet<>(all).size(), "refs are unique");
            assertEquals(first, all.get(0));
            assertEquals(first + threads * each - 1, all.get(all.size() - 1), "refs have no gaps");
            int stored = 0;
            for (int r = 0; r < 3; r++) {
                stored += store.fetch("r" + r, 0, 10_000).size();
            }
            assertEquals(threads * each, stored);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The guarantee "fetch from ref" relies on: a reader that follows nextRef while writers are
     * busy still sees every package exactly once (refs become visible in increasing order).
     */
    @Test
    void followingRefsDuringConcurrentWrites_missesNothing() throws Exception {
        int writers = 8;
        int each = 50;
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Long> seen = new ArrayList<>();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        store.append("w", List.of("reader"), "QQ==", i);
                    }
                }));
            }
            Thread waiter = new Thread(() -> {
                for (Future<?> f : fs) {
                    try {
                        f.get();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
                done.set(true);
            });
            waiter.start();
            long next = 0;
            while (true) {
                boolean finished = done.get();
                List<StoredMessage> page = store.fetch("reader", next, 37);
                for (StoredMessage m : page) {
                    seen.add(m.ref());
                    next = m.ref() + 1;
                }
                if (finished && page.isEmpty()) {
                    break;
                }
            }
            waiter.join();
        } finally {
            pool.shutdownNow();
        }
        assertEquals(writers * each, seen.size(), "every package seen once");
        assertEquals(writers * each, new HashSet<>(seen).size());
    }
}
