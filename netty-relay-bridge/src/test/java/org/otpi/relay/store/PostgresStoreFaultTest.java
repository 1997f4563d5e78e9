package org.otpi.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL store when the database goes away: a restart of the server, a terminated LISTEN
 * backend, a COMMIT whose answer is lost. Its own server, since it is restarted.
 */
class PostgresStoreFaultTest {
    private static LocalPostgres pg;
    private static int databases;

    @BeforeAll
    static void start() throws Exception {
        pg = LocalPostgres.start(false);
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private static String newDatabase() throws Exception {
        return pg.createDatabase("fault_" + ProcessHandle.current().pid() + "_" + (++databases));
    }

    static void await(BooleanSupplier condition, long millis, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    private static AppendRequest to(String rcpt, String contents) {
        return new AppendRequest("alice", List.of(rcpt), contents, System.currentTimeMillis(), null, null, true, 100_000, 1L << 30);
    }

    @Test
    void serverRestart_pendingWritesWaitAndLand_readinessFollowsTheDatabase_andPushesAreCaughtUp() throws Exception {
        String url = newDatabase();
        try (PostgresRelayStore a = PostgresRelayStore.open(url); PostgresRelayStore b = PostgresRelayStore.open(url)) {
            a.createAccount("bob", new byte[32], 1);
            Set<Long> heardByB = new ConcurrentSkipListSet<>();
            b.onAppended(ms -> ms.forEach(m -> heardByB.add(m.ref())));
            Set<Long> refs = new TreeSet<>();
            refs.addAll(a.appendAsync(to("bob", "QUFB")).get(10, TimeUnit.SECONDS).refs());
            assertTrue(a.ping());

            pg.stopServer();
            assertFalse(a.ping(), "not ready while the database is down");
            List<CompletableFuture<AppendResult>> during = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                during.add(a.appendAsync(to("bob", "QkJC")));
            }
            Thread.sleep(1500);
            assertFalse(during.get(0).isDone(), "writes wait for the database instead of failing at once");
            pg.startAgain();

            for (CompletableFuture<AppendResult> f : during) {
                AppendResult r = f.get(30, TimeUnit.SECONDS);
                assertEquals(AppendResult.Outcome.STORED, r.outcome());
                refs.addAll(r.refs());
            }
            refs.addAll(a.appendAsync(to("bob", "Q0ND")).get(10, TimeUnit.SECONDS).refs());
            assertEquals(22, refs.size());
            List<Long> stored = b.fetch("bob", 0, 1000).stream().map(StoredMessage::ref).toList();
            assertEquals(List.copyOf(refs), stored, "every acknowledged write is there once, read through the other node");
            await(a::ping, 10_000, "node a ready again");
            await(b::ping, 10_000, "node b ready again");
            await(() -> heardByB.containsAll(refs), 15_000, "node b pushed every package, including those from its deaf time");
        }
    }

    @Test
    void listenBackendTerminated_theMissedRangeIsReadAgain() throws Exception {
        String url = newDatabase();
        try (PostgresRelayStore a = PostgresRelayStore.open(url); PostgresRelayStore b = PostgresRelayStore.open(url)) {
            a.createAccount("bob", new byte[32], 1);
            Set<Long> heard = new ConcurrentSkipListSet<>();
            b.onAppended(ms -> ms.forEach(m -> heard.add(m.ref())));
            long first = a.appendAsync(to("bob", "QUFB")).get(10, TimeUnit.SECONDS).refs().get(0);
            await(() -> heard.contains(first), 10_000, "push through NOTIFY");

            b.minListenRetryMillis = 2_000; // a wide deaf window, so the sends below surely fall into it
            long reconnects = b.listenReconnects();
            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         + " WHERE application_name = '" + PostgresRelayStore.LISTEN_APPLICATION + "'")) {
                rs.next();
                assertEquals(2, rs.getInt(1), "both nodes' LISTEN backends");
            }
            await(() -> !b.listening(), 5_000, "node b notices");
            List<Long> missed = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                missed.addAll(a.appendAsync(to("bob", "QkJC")).get(10, TimeUnit.SECONDS).refs());
            }
            assertFalse(b.listening(), "the sends happened while node b could not hear");
            await(() -> b.listenReconnects() > reconnects, 10_000, "node b LISTENs again");
            await(() -> heard.containsAll(missed), 10_000, "node b read the missed range: " + missed + " heard " + heard);
            long later = a.appendAsync(to("bob", "Q0ND")).get(10, TimeUnit.SECONDS).refs().get(0);
            await(() -> heard.contains(later), 10_000, "and hears new pushes again");
        }
    }

    @Test
    void commitCutOffAfterItSucceeded_isNotAppliedTwice() throws Exception {
        String url = newDatabase();
        FaultyConnections[] f = new FaultyConnections[1];
        try (PostgresRelayStore store = PostgresRelayStore.open(url, real -> f[0] = new FaultyConnections(real))) {
            store.createAccount("bob", new byte[32], 1);
            f[0].failNextCommitAfterItCommits();
            AppendResult r = store.appendAsync(to("bob", "QUFB")).get(30, TimeUnit.SECONDS);
            assertEquals(1, f[0].commitsCutOff.get());
            assertEquals(AppendResult.Outcome.STORED, r.outcome());
            List<StoredMessage> stored = store.fetch("bob", 0, 10);
            assertEquals(1, stored.size());
            assertEquals(r.refs().get(0), stored.get(0).ref());
            assertEquals(4, store.queuedBytes("bob"));
        }
    }

    @Test
    void sharedBuckets_addUpTheSpendingOfEveryNode() throws Exception {
        String url = newDatabase();
        try (PostgresRelayStore a = PostgresRelayStore.open(url); PostgresRelayStore b = PostgresRelayStore.open(url)) {
            long now = System.currentTimeMillis();
            assertEquals(6.0, a.spendShared(java.util.Map.of("acct:bob", 4), 0.001, 10, now).get("acct:bob"), 0.01);
            assertEquals(1.0, b.spendShared(java.util.Map.of("acct:bob", 5), 0.001, 10, now).get("acct:bob"), 0.01,
                    "node b sees what node a spent");
            assertEquals(-10.0, a.spendShared(java.util.Map.of("acct:bob", 50), 0.001, 10, now).get("acct:bob"), 0.01,
                    "debt is floored at one burst");
            double later = b.spendShared(java.util.Map.of("acct:bob", 0), 1.0, 10, now + 5_000).get("acct:bob");
            assertEquals(-5.0, later, 0.01, "and refills with time");
        }
    }
}
