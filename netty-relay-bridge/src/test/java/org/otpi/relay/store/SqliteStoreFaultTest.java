package org.otpi.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store when its connections fail under it: the writer and the readers get new ones. */
class SqliteStoreFaultTest {
    @TempDir
    Path dir;

    private SqliteRelayStore open(FaultyConnections f) {
        return new SqliteRelayStore(f);
    }

    private FaultyConnections faulty() {
        String url = "jdbc:sqlite:" + dir.resolve("relay.db");
        return new FaultyConnections(() -> SqliteRelayStore.connect(url, SqliteRelayStore.Sync.NORMAL));
    }

    @Test
    void deadConnections_areReplaced_andNoWriteIsLost() throws Exception {
        FaultyConnections f = faulty();
        try (SqliteRelayStore store = open(f)) {
            store.createAccount("bob", new byte[32], 1);
            StoredMessage before = store.append("alice", List.of("bob"), "QUFB", 1).get(0);
            int openedBefore = f.opened.get();
            f.breakOpenConnections();
            StoredMessage after = store.append("alice", List.of("bob"), "QkJC", 2).get(0);
            assertEquals(before.ref() + 1, after.ref());
            assertEquals(List.of(before, after), store.fetch("bob", 0, 10), "readers were replaced too");
            assertTrue(f.opened.get() > openedBefore, "new connections were opened");
            assertTrue(store.ping());
        }
    }

    @Test
    void commitCutOffAfterItSucceeded_isNotAppliedTwice() throws Exception {
        FaultyConnections f = faulty();
        try (SqliteRelayStore store = open(f)) {
            store.createAccount("bob", new byte[32], 1);
            CopyOnWriteArrayList<StoredMessage> heard = new CopyOnWriteArrayList<>();
            store.onAppended(heard::addAll);
            f.failNextCommitAfterItCommits();
            AppendResult r = store.appendAsync(new AppendRequest("alice", List.of("bob"), "QUFB", 1, null, null, true, 10, 1000))
                    .get(30, TimeUnit.SECONDS);
            assertEquals(1, f.commitsCutOff.get(), "the fault did happen");
            assertEquals(AppendResult.Outcome.STORED, r.outcome());
            List<StoredMessage> stored = store.fetch("bob", 0, 10);
            assertEquals(1, stored.size(), "stored once, although the writer did not hear the first commit succeed");
            assertEquals(r.refs(), List.of(stored.get(0).ref()), "the caller got the ref that was really committed");
            assertEquals(4, store.queuedBytes("bob"), "the quota was counted once");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(stored, List.copyOf(heard), "listeners heard it once");
        }
    }
}
