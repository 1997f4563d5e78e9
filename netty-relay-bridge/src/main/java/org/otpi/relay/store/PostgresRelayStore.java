package org.otpi.relay.store;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.tinylog.Logger;

/**
 * Store for several relay nodes behind a load balancer, all on one PostgreSQL database.
 *
 * <p>Cross-node push: the append transaction runs {@code pg_notify('otpi_relay',
 * "node:firstRef:lastRef")}; every node LISTENs on its own connection, loads the range and hands
 * it to its listeners (a node's own appends reach its listeners straight after the commit).
 * Notifications arrive in commit order, and commits are in ref order, so the highest ref heard
 * so far marks everything this node has been told about. When the LISTEN connection drops (a
 * database restart, {@code pg_terminate_backend}, a network fault) the node reconnects, LISTENs
 * again and then reads the whole range from that mark to the current last ref: what was
 * committed while it was deaf is pushed late, never lost. A package may be pushed twice;
 * clients deduplicate by ref.
 *
 * <p>Rate limits are shared through {@code rate_buckets} ({@link #spendShared}).
 */
public final class PostgresRelayStore extends JdbcRelayStore {
    static final String CHANNEL = "otpi_relay";
    /** {@code application_name} of the LISTEN connection (operators and tests find it in pg_stat_activity). */
    public static final String LISTEN_APPLICATION = "otpi-relay-listen";

    private final String nodeId = UUID.randomUUID().toString();
    private final String jdbcUrl;
    private final Properties listenProps;
    private final Thread listenerThread;
    private final CountDownLatch listening = new CountDownLatch(1);
    private final AtomicLong heardUpTo = new AtomicLong(-1);
    private final AtomicLong reconnects = new AtomicLong();
    private volatile Connection listenConnection;
    private volatile boolean listenHealthy;
    /** Tests: at least this long between losing LISTEN and trying again (to widen the deaf window). */
    volatile long minListenRetryMillis = 100;

    private PostgresRelayStore(String jdbcUrl, Properties schemaProps, Properties poolProps, Properties listenProps,
                               UnaryOperator<ConnectionFactory> wrap) {
        super(Dialect.POSTGRES, () -> DriverManager.getConnection(jdbcUrl, schemaProps),
                wrap.apply(() -> DriverManager.getConnection(jdbcUrl, poolProps)), 8, "postgresql");
        this.jdbcUrl = jdbcUrl;
        this.listenProps = listenProps;
        this.listenerThread = new Thread(this::listenLoop, "relay-pg-listen");
        listenerThread.setDaemon(true);
        listenerThread.start();
        try {
            // Do not return before LISTEN is in place, or this node would miss early pushes.
            if (!listening.await(15, TimeUnit.SECONDS)) {
                Logger.warn("relay: PostgreSQL LISTEN not established yet; cross-node push may lag");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Connects to {@code jdbc:postgresql://...}. User and password may be in the URL
     * ({@code ?user=..&password=..}). A database made by the relay before schema 2 is migrated
     * (stop every node of the old version first).
     */
    public static PostgresRelayStore open(String jdbcUrl) {
        return open(jdbcUrl, UnaryOperator.identity());
    }

    /** Tests: {@code wrap} sees every pooled connection (to inject faults). */
    static PostgresRelayStore open(String jdbcUrl, UnaryOperator<ConnectionFactory> wrap) {
        Properties base = new Properties();
        base.setProperty("tcpKeepAlive", "true");
        base.setProperty("connectTimeout", "5");
        base.setProperty("loginTimeout", "5");
        base.setProperty("ApplicationName", "otpi-relay");
        Properties pool = new Properties();
        pool.putAll(base);
        pool.setProperty("reWriteBatchedInserts", "true");
        pool.setProperty("socketTimeout", "60"); // a silent network must not hang the writer forever
        Properties listen = new Properties();
        listen.putAll(base);
        listen.setProperty("ApplicationName", LISTEN_APPLICATION);
        listen.setProperty("socketTimeout", "30");
        return new PostgresRelayStore(jdbcUrl, base, pool, listen, wrap);
    }

    @Override
    public boolean sharesLimits() {
        return true;
    }

    /** True while the LISTEN connection is up. */
    public boolean listening() {
        return listenHealthy;
    }

    /** How many times the LISTEN connection has been re-established. */
    public long listenReconnects() {
        return reconnects.get();
    }

    @Override
    void appendedInTransaction(Connection c, long firstRef, long lastRef) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify('" + CHANNEL + "', ?)")) {
            ps.setString(1, nodeId + ":" + firstRef + ":" + lastRef);
            ps.executeQuery().close();
        }
    }

    private void listenLoop() {
        long backoff = 100;
        boolean warned = false;
        while (!isClosed()) {
            try (Connection c = DriverManager.getConnection(jdbcUrl, listenProps)) {
                listenConnection = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                long now = lastRef(c);
                long mark = heardUpTo.get();
                if (mark < 0) {
                    heardUpTo.set(now); // first start: subscribers read their own backlog
                } else if (now > mark) {
                    Logger.info("relay: re-reading refs {}..{} committed while LISTEN was down", mark + 1, now);
                    deliverRange(mark + 1, now);
                    heardUpTo.accumulateAndGet(now, Math::max);
                }
                if (warned) {
                    reconnects.incrementAndGet();
                    Logger.info("relay: PostgreSQL LISTEN connection re-established");
                }
                warned = false;
                backoff = 100;
                listenHealthy = true;
                listening.countDown();
                PGConnection pg = c.unwrap(PGConnection.class);
                long lastCheck = System.nanoTime();
                while (!isClosed()) {
                    PGNotification[] ns = pg.getNotifications(250);
                    if (ns != null) {
                        for (PGNotification n : ns) {
                            handle(n.getParameter());
                        }
                    }
                    if (System.nanoTime() - lastCheck > TimeUnit.SECONDS.toNanos(5)) {
                        // a connection that silently died (no RST) shows up here
                        try (Statement st = c.createStatement()) {
                            st.execute("SELECT 1");
                        }
                        lastCheck = System.nanoTime();
                    }
                }
            } catch (SQLException | RuntimeException e) {
                listenHealthy = false;
                if (isClosed()) {
                    return;
                }
                if (!warned) {
                    Logger.warn("relay: PostgreSQL LISTEN connection lost ({}); reconnecting", e.getMessage());
                    warned = true;
                }
                try {
                    Thread.sleep(Math.max(backoff, minListenRetryMillis));
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(2_000, backoff * 2);
            }
        }
    }

    private void handle(String payload) {
        String[] parts = payload.split(":");
        if (parts.length != 3) {
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
        if (last < first) {
            return;
        }
        if (!parts[0].equals(nodeId)) {
            deliverRange(first, last);
        }
        heardUpTo.accumulateAndGet(last, Math::max);
    }

    /**
     * One statement: adds each key's spending to its shared bucket (refilled by the time since
     * its last update, capped at {@code burst}, floored at {@code -burst}) and returns the new
     * balances. Keys are inserted in order, so two nodes never wait on each other in a cycle.
     */
    @Override
    public Map<String, Double> spendShared(Map<String, Integer> spent, double perSecond, int burst, long nowMillis) {
        if (spent.isEmpty()) {
            return Map.of();
        }
        TreeMap<String, Integer> sorted = new TreeMap<>(spent);
        String[] keys = sorted.keySet().toArray(new String[0]);
        Double[] amounts = sorted.values().stream().map(Integer::doubleValue).toArray(Double[]::new);
        return read(c -> {
            Array k = c.createArrayOf("text", keys);
            Array a = c.createArrayOf("float8", amounts);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO rate_buckets(key, tokens, updated_at)"
                    + " SELECT t.k, GREATEST(?, ? - t.s), ? FROM unnest(?::text[], ?::float8[]) AS t(k, s) ORDER BY t.k"
                    + " ON CONFLICT (key) DO UPDATE SET tokens = GREATEST(?, LEAST(?, rate_buckets.tokens"
                    + " + GREATEST(0, EXCLUDED.updated_at - rate_buckets.updated_at) * ?) - (? - EXCLUDED.tokens)),"
                    + " updated_at = GREATEST(rate_buckets.updated_at, EXCLUDED.updated_at)"
                    + " RETURNING key, tokens")) {
                ps.setDouble(1, -burst);
                ps.setDouble(2, burst);
                ps.setLong(3, nowMillis);
                ps.setArray(4, k);
                ps.setArray(5, a);
                ps.setDouble(6, -burst);
                ps.setDouble(7, burst);
                ps.setDouble(8, perSecond / 1000.0);
                ps.setDouble(9, burst);
                Map<String, Double> out = new HashMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getString(1), rs.getDouble(2));
                    }
                }
                return out;
            } finally {
                k.free();
                a.free();
            }
        });
    }

    @Override
    public void close() {
        super.close();
        Connection c = listenConnection;
        if (c != null) {
            closeQuietly(c);
        }
        try {
            listenerThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
