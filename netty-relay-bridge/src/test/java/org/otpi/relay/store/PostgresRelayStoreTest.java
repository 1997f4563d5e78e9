package org.otpi.relay.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The same suite against a real PostgreSQL server, plus what only several nodes can show. */
@ExtendWith(PostgresExtension.class)
class PostgresRelayStoreTest extends RelayStoreContract {
    private String url;

    @Override
    RelayStore newStore() {
        url = PostgresExtension.newDatabase();
        return PostgresRelayStore.open(url);
    }

    @Override
    RelayStore reopen(RelayStore old) {
        old.close();
        return PostgresRelayStore.open(url);
    }

    @Override
    Connection sql() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    RelayStore openVersion1(List<String> inserts) throws SQLException {
        url = PostgresExtension.newDatabase();
        try (Connection c = sql(); Statement st = c.createStatement()) {
            for (String ddl : Schema.version1(Dialect.POSTGRES)) {
                st.execute(ddl);
            }
            for (String sql : inserts) {
                st.execute(sql);
            }
        }
        return PostgresRelayStore.open(url);
    }

    @Override
    String hex(String hex) {
        return "decode('" + hex + "', 'hex')";
    }

    @Test
    void twoNodes_shareRefsAndHearEachOthersAppends() throws Exception {
        try (RelayStore other = PostgresRelayStore.open(url)) {
            CopyOnWriteArrayList<StoredMessage> heardByOther = new CopyOnWriteArrayList<>();
            CountDownLatch latch = new CountDownLatch(2);
            other.onAppended(ms -> ms.forEach(m -> {
                heardByOther.add(m);
                latch.countDown();
            }));
            List<StoredMessage> sent = store.append("alice", List.of("bob", "carol"), "QQ==", 1);
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the other node hears the append through NOTIFY");
            assertEquals(sent, List.copyOf(heardByOther));
            StoredMessage fromOther = other.append("bob", List.of("alice"), "Qg==", 2).get(0);
            assertEquals(sent.get(1).ref() + 1, fromOther.ref(), "one ref counter across nodes");
            assertEquals(List.of(fromOther), store.fetch("alice", 0, 10));
        }
    }
}
