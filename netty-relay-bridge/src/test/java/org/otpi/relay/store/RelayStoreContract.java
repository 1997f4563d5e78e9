package org.otpi.relay.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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

    /** A plain JDBC connection to the database {@link #store} uses (to look at its tables). */
    abstract Connection sql() throws SQLException;

    /**
     * A new database made as the relay before schema 2 made it ({@link Schema#version1}), filled
     * by {@code inserts}, then opened as a store.
     */
    abstract RelayStore openVersion1(List<String> inserts) throws SQLException;

    /** A blob literal in this database's SQL. */
    abstract String hex(String hex);

    long rows(String table) throws SQLException {
        try (Connection c = sql(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

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

    // ------------------------------------------------------------ schema 2: quotas, paging by bytes, one copy

    private static AppendRequest send(String sender, List<String> to, String contents, int maxQueued, long maxBytes) {
        return new AppendRequest(sender, to, contents, 1, null, null, true, maxQueued, maxBytes);
    }

    private static AppendRequest keyed(String sender, List<String> to, String contents, String key) {
        byte[] h;
        try {
            h = java.security.MessageDigest.getInstance("SHA-256").digest((String.join(",", to) + "\n" + contents).getBytes());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return new AppendRequest(sender, to, contents, 1, key, h, true, 1000, 1 << 20);
    }

    private AppendResult appendNow(AppendRequest r) throws Exception {
        return store.appendAsync(r).get(30, TimeUnit.SECONDS);
    }

    @Test
    void checkedAppend_refusesUnknownRecipients_andStoresNothing() throws Exception {
        store.createAccount("bob", hash(1), 1);
        long before = store.nextRef();
        AppendResult r = appendNow(send("alice", List.of("bob", "ghost"), "QUFB", 100, 1 << 20));
        assertEquals(AppendResult.Outcome.UNKNOWN_RECIPIENT, r.outcome());
        assertTrue(r.refs().isEmpty());
        assertEquals(0, store.queued("bob"), "a refused send stores nothing, not even for the recipient that exists");
        assertEquals(before, store.nextRef(), "and uses no refs");
    }

    @Test
    void byteQuota_isExactAndFreedByAcknowledging() throws Exception {
        store.createAccount("bob", hash(1), 1);
        String hundred = "A".repeat(100);
        assertEquals(AppendResult.Outcome.STORED, appendNow(send("a", List.of("bob"), hundred, 100, 250)).outcome());
        AppendResult second = appendNow(send("a", List.of("bob"), hundred, 100, 250));
        assertEquals(AppendResult.Outcome.STORED, second.outcome());
        assertEquals(200, store.queuedBytes("bob"));
        assertEquals(AppendResult.Outcome.QUEUE_FULL, appendNow(send("a", List.of("bob"), hundred, 100, 250)).outcome(),
                "300 bytes would pass the 250-byte quota");
        assertEquals(AppendResult.Outcome.STORED, appendNow(send("a", List.of("bob"), "A".repeat(48), 100, 250)).outcome(),
                "what still fits is taken");
        assertEquals(1, store.ack("bob", second.refs()));
        assertEquals(148, store.queuedBytes("bob"));
        assertEquals(AppendResult.Outcome.STORED, appendNow(send("a", List.of("bob"), hundred, 100, 250)).outcome(),
                "acknowledging gave the bytes back");
        assertEquals(AppendResult.Outcome.QUEUE_FULL, appendNow(send("a", List.of("bob"), "QQ==", 3, 1 << 20)).outcome(),
                "the package count quota holds too");
    }

    @Test
    void concurrentSendsToOneRecipient_neverPassTheQuota() throws Exception {
        store.createAccount("bob", hash(1), 1);
        String kb = "A".repeat(1000);
        List<java.util.concurrent.CompletableFuture<AppendResult>> fs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fs.add(store.appendAsync(send("s" + i, List.of("bob"), kb, 1000, 50_000)));
        }
        int stored = 0;
        for (var f : fs) {
            if (f.get(30, TimeUnit.SECONDS).outcome() == AppendResult.Outcome.STORED) {
                stored++;
            }
        }
        assertEquals(50, stored);
        assertEquals(50_000, store.queuedBytes("bob"));
        assertEquals(50, store.queued("bob"));
    }

    @Test
    void fetchByBytes_stopsAtTheBound_butAlwaysReturnsTheFirstPackage() throws Exception {
        store.createAccount("bob", hash(1), 1);
        for (int i = 0; i < 5; i++) {
            appendNow(send("a", List.of("bob"), "B".repeat(100), 100, 1 << 20));
        }
        StoredMessage big = appendNow(send("a", List.of("bob"), "C".repeat(1000), 100, 1 << 20)).stored().get(0);
        appendNow(send("a", List.of("bob"), "D".repeat(100), 100, 1 << 20));
        assertEquals(2, store.fetch("bob", 0, 100, 250).size(), "100 + 100 fit in 250, a third would not");
        assertEquals(5, store.fetch("bob", 0, 100, 999).size());
        List<StoredMessage> alone = store.fetch("bob", big.ref(), 100, 250);
        assertEquals(List.of(big), alone, "a package larger than the bound comes alone, so paging moves on");
        // following nextRef with a tiny bound reads everything, one page at a time
        long next = 0;
        List<String> seen = new ArrayList<>();
        for (int page = 0; page < 50; page++) {
            List<StoredMessage> p = store.fetch("bob", next, 100, 1);
            if (p.isEmpty()) {
                break;
            }
            assertEquals(1, p.size());
            p.forEach(m -> seen.add(m.contents().substring(0, 1)));
            next = p.get(p.size() - 1).ref() + 1;
        }
        assertEquals(List.of("B", "B", "B", "B", "B", "C", "D"), seen);
    }

    @Test
    void multiRecipientSend_storesTheContentsOnce_untilTheLastRecipientAcknowledges() throws Exception {
        for (String u : List.of("bob", "carol", "dave")) {
            store.createAccount(u, hash(u.length()), 1);
        }
        String pkg = "Q".repeat(4000);
        AppendResult r = appendNow(send("alice", List.of("bob", "carol", "dave"), pkg, 100, 1 << 20));
        assertEquals(3, r.refs().size());
        assertEquals(1, rows("packages"), "one copy of the contents");
        assertEquals(3, rows("queue"), "one small row per recipient");
        for (String u : List.of("bob", "carol", "dave")) {
            assertEquals(pkg, store.fetch(u, 0, 10).get(0).contents());
            assertEquals(4000, store.queuedBytes(u), "each recipient's quota counts the package");
        }
        store.ack("bob", List.of(r.refs().get(0)));
        store.ack("carol", List.of(r.refs().get(1)));
        assertEquals(1, rows("packages"), "dave still has it");
        assertEquals(pkg, store.fetch("dave", 0, 10).get(0).contents());
        store.ack("dave", List.of(r.refs().get(2)));
        assertEquals(0, rows("packages"), "the last acknowledgement deletes the contents");
        assertEquals(0, rows("queue"));
    }

    @Test
    void purge_givesTheBytesBackToTheQuota() throws Exception {
        store.createAccount("bob", hash(1), 1);
        store.appendAsync(new AppendRequest("a", List.of("bob"), "A".repeat(10), 100, null, null, true, 10, 100))
                .get(10, TimeUnit.SECONDS);
        store.appendAsync(new AppendRequest("a", List.of("bob"), "A".repeat(20), 300, null, null, true, 10, 100))
                .get(10, TimeUnit.SECONDS);
        assertEquals(30, store.queuedBytes("bob"));
        assertEquals(1, store.purgeOlderThan(200));
        assertEquals(20, store.queuedBytes("bob"));
        assertEquals(1, rows("packages"));
    }

    // ------------------------------------------------------------ idempotency keys

    @Test
    void sameKeySameSender_isStoredOnce_andAnsweredWithTheFirstRefs() throws Exception {
        store.createAccount("bob", hash(1), 1);
        store.createAccount("carol", hash(2), 1);
        AppendResult first = appendNow(keyed("alice", List.of("bob", "carol"), "QUJD", "k-1"));
        assertEquals(AppendResult.Outcome.STORED, first.outcome());
        AppendResult again = appendNow(keyed("alice", List.of("bob", "carol"), "QUJD", "k-1"));
        assertEquals(AppendResult.Outcome.REPLAYED, again.outcome());
        assertEquals(first.refs(), again.refs());
        assertEquals(1, store.queued("bob"));
        assertEquals(AppendResult.Outcome.KEY_REUSED, appendNow(keyed("alice", List.of("bob", "carol"), "WFla", "k-1")).outcome(),
                "the same key for another package is refused, not answered with unrelated refs");
        AppendResult otherSender = appendNow(keyed("mallory", List.of("bob", "carol"), "QUJD", "k-1"));
        assertEquals(AppendResult.Outcome.STORED, otherSender.outcome(), "keys belong to their sender");
        store = reopen(store);
        assertEquals(first.refs(), appendNow(keyed("alice", List.of("bob", "carol"), "QUJD", "k-1")).refs(),
                "keys are kept in the store");
        assertTrue(store.purgeIdempotencyKeys(Long.MAX_VALUE) >= 1);
        assertEquals(AppendResult.Outcome.STORED, appendNow(keyed("alice", List.of("bob", "carol"), "QUJD", "k-1")).outcome(),
                "an expired key is forgotten");
    }

    @Test
    void refusedKeyedSend_canBeRetriedOnceThereIsRoom() throws Exception {
        store.createAccount("bob", hash(1), 1);
        store.appendAsync(send("a", List.of("bob"), "A".repeat(90), 100, 100)).get(10, TimeUnit.SECONDS);
        AppendRequest r = new AppendRequest("alice", List.of("bob"), "B".repeat(20), 1, "k", new byte[32], true, 100, 100);
        assertEquals(AppendResult.Outcome.QUEUE_FULL, appendNow(r).outcome());
        store.ack("bob", store.fetch("bob", 0, 10).stream().map(StoredMessage::ref).toList());
        assertEquals(AppendResult.Outcome.STORED, appendNow(r).outcome(), "a refused send did not keep its key");
    }

    @Test
    void concurrentRetriesWithOneKey_storeOnce() throws Exception {
        store.createAccount("bob", hash(1), 1);
        List<java.util.concurrent.CompletableFuture<AppendResult>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            fs.add(store.appendAsync(keyed("alice", List.of("bob"), "QUJD", "same")));
        }
        Set<List<Long>> answers = new HashSet<>();
        for (var f : fs) {
            AppendResult r = f.get(30, TimeUnit.SECONDS);
            assertTrue(r.accepted(), r.outcome().toString());
            answers.add(r.refs());
        }
        assertEquals(1, answers.size(), "every retry got the same ref");
        assertEquals(1, store.queued("bob"));
    }

    // ------------------------------------------------------------ registration

    private static Registration reg(String uid, byte[] invite, String rateKey, int burst) {
        return new Registration(uid, hash(uid.hashCode()), 1_000, invite, rateKey, 0.001, burst);
    }

    @Test
    void register_spendsTheSharedBucketOfTheAddress_evenWhenRefused() {
        assertEquals(Registration.Outcome.CREATED, store.register(reg("a1", null, "reg:1.2.3.4", 3)));
        assertEquals(Registration.Outcome.TAKEN, store.register(reg("a1", null, "reg:1.2.3.4", 3)));
        assertEquals(Registration.Outcome.CREATED, store.register(reg("a2", null, "reg:1.2.3.4", 3)));
        assertEquals(Registration.Outcome.RATE_LIMITED, store.register(reg("a3", null, "reg:1.2.3.4", 3)));
        assertTrue(store.tokenHash("a3").isEmpty());
        assertEquals(Registration.Outcome.CREATED, store.register(reg("a3", null, "reg:5.6.7.8", 3)), "another address has its own bucket");
    }

    @Test
    void invites_areSingleUse_expire_andAreNotSpentOnATakenName() {
        byte[] code = hash(42);
        byte[] old = hash(43);
        store.addInvites(List.of(code), 1_000, 10_000);
        store.addInvites(List.of(old), 1_000, 500);
        store.createAccount("taken", hash(1), 1);
        assertEquals(Registration.Outcome.BAD_INVITE, store.register(reg("x", hash(44), "reg:a", 100)), "unknown code");
        assertEquals(Registration.Outcome.BAD_INVITE, store.register(reg("x", old, "reg:a", 100)), "expired code");
        assertEquals(Registration.Outcome.TAKEN, store.register(reg("taken", code, "reg:a", 100)));
        assertEquals(Registration.Outcome.CREATED, store.register(reg("bob", code, "reg:a", 100)), "the code was not used up");
        assertEquals(Registration.Outcome.BAD_INVITE, store.register(reg("carol", code, "reg:a", 100)), "single use");
        assertTrue(store.tokenHash("carol").isEmpty());
    }

    @Test
    void listedUsers_activeFirstMostRecent_thenNewAccounts_bounded() {
        store.createAccount("old", hash(1), 10);
        store.createAccount("active1", hash(2), 10);
        store.createAccount("active2", hash(3), 10);
        store.createAccount("fresh", hash(4), 5_000);
        store.touch(List.of("active1"), 2_000);
        store.touch(List.of("active2"), 3_000);
        assertEquals(List.of("active2", "active1", "fresh"),
                store.listedUsers(1_000, 1_000, 10).stream().map(UserRecord::uid).toList(),
                "never-active accounts registered before the window are not listed");
        assertEquals(List.of("active2"), store.listedUsers(1_000, 1_000, 1).stream().map(UserRecord::uid).toList());
    }

    // ------------------------------------------------------------ migration from schema 1

    @Test
    void openingAVersion1Database_migratesIt_keepingEveryPackageRefAndQuota() throws Exception {
        store.close();
        String pkg = "UEtH".repeat(10);
        store = openVersion1(List.of(
                "INSERT INTO accounts(uid, token_hash, created_at, last_seen) VALUES ('bob', " + hex("0102") + ", 1, 0)",
                "INSERT INTO accounts(uid, token_hash, created_at, last_seen) VALUES ('carol', " + hex("0304") + ", 1, 7)",
                // one send to bob and carol (two copies in schema 1), one to bob alone, one legacy for a stranger
                "INSERT INTO messages VALUES (5, 'bob', 'alice', '" + pkg + "', 100)",
                "INSERT INTO messages VALUES (6, 'carol', 'alice', '" + pkg + "', 100)",
                "INSERT INTO messages VALUES (7, 'bob', 'alice', 'QUFB', 101)",
                "INSERT INTO messages VALUES (9, 'stranger', 'x', 'hi there', 102)",
                "UPDATE relay_meta SET last_ref = 9"));
        assertEquals(10, store.nextRef(), "the ref counter is kept");
        assertEquals(List.of(new StoredMessage(5, "alice", "bob", pkg, 100), new StoredMessage(7, "alice", "bob", "QUFB", 101)),
                store.fetch("bob", 0, 10));
        assertEquals(List.of(new StoredMessage(6, "alice", "carol", pkg, 100)), store.fetch("carol", 0, 10));
        assertEquals(List.of(new StoredMessage(9, "x", "stranger", "hi there", 102)), store.fetch("stranger", 0, 10));
        assertEquals(3, rows("packages"), "the two copies of one send became one package");
        assertEquals(4, rows("queue"));
        assertEquals(44, store.queuedBytes("bob"));
        assertEquals(40, store.queuedBytes("carol"));
        assertArrayEquals(new byte[] {1, 2}, store.tokenHash("bob").orElseThrow());
        assertEquals(List.of(new UserRecord("bob", 0), new UserRecord("carol", 7)), store.users(10));
        // and it works as a schema 2 store from here on
        assertEquals(2, store.ack("bob", List.of(5L, 7L)));
        assertEquals(2, rows("packages"));
        assertEquals(0, store.queuedBytes("bob"));
        assertEquals(10, store.append("alice", List.of("bob"), "QQ==", 200).get(0).ref());
        store = reopen(store);
        assertEquals(11, store.nextRef(), "opening a migrated database again changes nothing");
        assertEquals(1, store.queued("bob"));
    }

    @Test
    void version1Database_withManyRows_migratesQuickly() throws Exception {
        store.close();
        List<String> inserts = new ArrayList<>();
        StringBuilder sb = new StringBuilder("INSERT INTO messages VALUES ");
        for (int i = 1; i <= 20_000; i++) {
            sb.append(i == 1 ? "" : ",").append("(").append(i).append(", 'r").append(i % 100).append("', 's', 'P")
                    .append(i / 2).append("', ").append(i / 2).append(")");
        }
        inserts.add(sb.toString());
        inserts.add("UPDATE relay_meta SET last_ref = 20000");
        long t0 = System.nanoTime();
        store = openVersion1(inserts);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(20_000, rows("queue"));
        assertEquals(10_001, rows("packages"), "pairs of identical rows became one package each");
        assertTrue(ms < 60_000, "migration of 20,000 rows took " + ms + " ms");
    }

    // ------------------------------------------------------------ readiness

    @Test
    void ping_isTrueWhileOpen_andFalseAfterClose() {
        assertTrue(store.ping());
        store.close();
        assertFalse(store.ping());
        store = reopen(store);
        assertNotEquals(false, store.ping());
    }
}
