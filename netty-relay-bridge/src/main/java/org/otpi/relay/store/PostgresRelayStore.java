package org.otpi.relay.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.tinylog.Logger;

/**
 * Store for several relay nodes behind a load balancer, all on one PostgreSQL database.
 *
 * <p>Cross-node push: the append transaction runs {@code pg_notify('otpi_relay',
 * "node:firstRef:lastRef")}; every node LISTENs on its own connection, ignores its own
 * notifications (it already told its listeners after commit), loads the range and hands it to
 * its listeners. Notifications are delivered only after commit, so the rows are visible.
 *
 * <p>Schema creation takes an advisory lock so that nodes starting together do not race.
 */
public final class PostgresRelayStore extends JdbcRelayStore {
    static final String CHANNEL = "otpi_relay";
    private static final long SCHEMA_LOCK = 0x4f54506952656c61L; // "OTPiRela"

    private static final List<String> SCHEMA = List.of(
            "SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")",
            "CREATE TABLE IF NOT EXISTS accounts(uid TEXT PRIMARY KEY, token_hash BYTEA NOT NULL,"
                    + " created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS messages(ref BIGINT PRIMARY KEY, recipient TEXT NOT NULL,"
                    + " sender TEXT NOT NULL, contents TEXT NOT NULL, created_at BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, ref)",
            "CREATE TABLE IF NOT EXISTS relay_meta(id INT PRIMARY KEY CHECK (id = 1), last_ref BIGINT NOT NULL)",
            "INSERT INTO relay_meta(id, last_ref) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
            "SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");

    private final String nodeId = UUID.randomUUID().toString();
    private final String jdbcUrl;
    private final Properties props;
    private final Thread listenerThread;
    private final java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
    private volatile Connection listenConnection;

    private PostgresRelayStore(String jdbcUrl, Properties props) {
        super(forReading -> DriverManager.getConnection(jdbcUrl, props), SCHEMA, 8, "postgresql");
        this.jdbcUrl = jdbcUrl;
        this.props = props;
        this.listenerThread = new Thread(this::listenLoop, "relay-pg-listen");
        listenerThread.setDaemon(true);
        listenerThread.start();
        try {
            // Do not return before LISTEN is in place, or this node would miss early pushes.
            if (!listening.await(15, java.util.concurrent.TimeUnit.SECONDS)) {
                Logger.warn("relay: PostgreSQL LISTEN not established yet; cross-node push may lag");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Connects to {@code jdbc:postgresql://...}. User and password may be in the URL
     * ({@code ?user=..&password=..}).
     */
    public static PostgresRelayStore open(String jdbcUrl) {
        Properties p = new Properties();
        p.setProperty("reWriteBatchedInserts", "true");
        p.setProperty("tcpKeepAlive", "true");
        return new PostgresRelayStore(jdbcUrl, p);
    }

    @Override
    void appendedInTransaction(Connection c, long firstRef, long lastRef) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
            ps.setString(1, nodeId + ":" + firstRef + ":" + lastRef);
            ps.executeQuery().close();
        }
    }

    private void listenLoop() {
        while (!isClosed()) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, props)) {
                listenConnection = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                listening.countDown();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!isClosed()) {
                    PGNotification[] ns = pg.getNotifications(250);
                    if (ns == null) {
                        continue;
                    }
                    for (PGNotification n : ns) {
                        handle(n.getParameter());
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (isClosed()) {
                    return;
                }
                Logger.warn(e, "relay: PostgreSQL LISTEN connection lost; reconnecting");
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    private void handle(String payload) {
        String[] parts = payload.split(":");
        if (parts.length != 3 || parts[0].equals(nodeId)) {
            return;
        }
        long first;
        long last;
        try {
            first = Long.parseLong(parts[1]);
            last = Long.parseLong(parts[2]);
        } catch (NumberFormatException e) {
            return;
        }
        if (last < first || last - first > 100_000) {
            return;
        }
        List<StoredMessage> rows = fetchRange(first, last);
        if (!rows.isEmpty()) {
            deliverRemote(rows);
        }
    }

    @Override
    public void close() {
        super.close();
        try {
            listenerThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Connection c = listenConnection;
        if (c != null) {
            closeQuietly(c);
        }
    }
}
