package org.otpi.relay.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.tinylog.Logger;

/**
 * The relay's tables, version 2, and the migration from version 1 (the relay before packages
 * were stored once per send). Run in one transaction at open; on PostgreSQL under an advisory
 * lock so nodes starting together do not race.
 *
 * <pre>
 * accounts(uid PK, token_hash, created_at, last_seen, queued_count, queued_bytes)   quota counters
 * packages(id PK = first ref of the send, sender, contents, created_at, pending)    contents once per send
 * queue(ref PK, recipient, package_id, size, created_at)                            one row per recipient
 * relay_meta(id = 1, last_ref)                                                      the ref counter
 * relay_schema(version)
 * idempotency(sender, key, request_hash, refs, created_at)  PK (sender, key)
 * invites(code_hash PK, created_at, expires_at, used_by, used_at)
 * rate_buckets(key PK, tokens, updated_at)                                          shared token buckets
 * relay_commits(batch_id PK, attempt, committed_at)                                         resolves cut-off commits
 * </pre>
 *
 * Version 1 had {@code messages(ref, recipient, sender, contents, created_at)}, one full copy per
 * recipient. Migrating groups its rows by (sender, created_at, contents) into one package each,
 * keeps every ref, and counts each account's queue into its quota columns.
 */
final class Schema {
    static final int VERSION = 2;
    private static final long PG_LOCK = 0x4f54506952656c61L; // "OTPiRela"

    private Schema() {
    }

    /** Creates or migrates the schema; {@code c} must be fresh and is left in auto-commit mode. */
    static void apply(Connection c, Dialect d) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            if (d == Dialect.POSTGRES) {
                st.execute("SELECT pg_advisory_xact_lock(" + PG_LOCK + ")");
            }
            if (d.tableExists(c, "relay_schema")) {
                try (ResultSet rs = st.executeQuery("SELECT version FROM relay_schema")) {
                    int v = rs.next() ? rs.getInt(1) : 0;
                    if (v != VERSION) {
                        throw new SQLException("relay database schema version " + v + " (this relay knows " + VERSION + ")");
                    }
                }
            } else if (d.tableExists(c, "messages")) {
                Logger.info("relay store: migrating the database from schema 1 to {}", VERSION);
                for (String sql : migrateFrom1(d)) {
                    st.execute(sql);
                }
            } else {
                for (String sql : create(d)) {
                    st.execute(sql);
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is probably gone; the cause says why
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /** Tables that both a fresh database and a migrated one get. */
    private static List<String> common(Dialect d) {
        String big = d.bigint;
        return List.of(
                "CREATE TABLE packages(id " + big + " PRIMARY KEY, sender TEXT NOT NULL, contents TEXT NOT NULL,"
                        + " created_at " + big + " NOT NULL, pending " + big + " NOT NULL)",
                "CREATE TABLE queue(ref " + big + " PRIMARY KEY, recipient TEXT NOT NULL, package_id " + big + " NOT NULL,"
                        + " size " + big + " NOT NULL, created_at " + big + " NOT NULL)",
                "CREATE INDEX queue_by_recipient ON queue(recipient, ref, size)", // a page's sizes without the table
                "CREATE INDEX accounts_by_last_seen ON accounts(last_seen)",
                "CREATE INDEX accounts_by_created ON accounts(created_at)",
                "CREATE TABLE idempotency(sender TEXT NOT NULL, key TEXT NOT NULL, request_hash " + d.blob + " NOT NULL,"
                        + " refs TEXT NOT NULL, created_at " + big + " NOT NULL, PRIMARY KEY (sender, key))",
                "CREATE INDEX idempotency_by_created ON idempotency(created_at)",
                "CREATE TABLE invites(code_hash " + d.blob + " PRIMARY KEY, created_at " + big + " NOT NULL,"
                        + " expires_at " + big + " NOT NULL, used_by TEXT, used_at " + big + ")",
                "CREATE TABLE rate_buckets(key TEXT PRIMARY KEY, tokens " + d.real + " NOT NULL, updated_at " + big + " NOT NULL)",
                "CREATE TABLE relay_commits(batch_id TEXT PRIMARY KEY, attempt INTEGER NOT NULL, committed_at " + big + " NOT NULL)",
                "CREATE TABLE relay_schema(version INTEGER NOT NULL)",
                "INSERT INTO relay_schema(version) VALUES (" + VERSION + ")");
    }

    static List<String> create(Dialect d) {
        String big = d.bigint;
        List<String> out = new ArrayList<>(List.of(
                "CREATE TABLE accounts(uid TEXT PRIMARY KEY, token_hash " + d.blob + " NOT NULL, created_at " + big + " NOT NULL,"
                        + " last_seen " + big + " NOT NULL DEFAULT 0, queued_count " + big + " NOT NULL DEFAULT 0,"
                        + " queued_bytes " + big + " NOT NULL DEFAULT 0)",
                "CREATE TABLE relay_meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_ref " + big + " NOT NULL)",
                "INSERT INTO relay_meta(id, last_ref) VALUES (1, 0)"));
        out.addAll(common(d));
        return out;
    }

    static List<String> migrateFrom1(Dialect d) {
        String big = d.bigint;
        List<String> out = new ArrayList<>(List.of(
                "ALTER TABLE accounts ADD COLUMN queued_count " + big + " NOT NULL DEFAULT 0",
                "ALTER TABLE accounts ADD COLUMN queued_bytes " + big + " NOT NULL DEFAULT 0"));
        out.addAll(common(d));
        out.addAll(List.of(
                // the first ref of every group of identical copies names its package
                "CREATE TABLE migrate_map AS SELECT ref, MIN(ref) OVER (PARTITION BY sender, created_at, contents) AS pid"
                        + " FROM messages",
                "CREATE INDEX migrate_map_ref ON migrate_map(ref)",
                "CREATE INDEX migrate_map_pid ON migrate_map(pid)",
                "INSERT INTO packages(id, sender, contents, created_at, pending)"
                        + " SELECT m.ref, m.sender, m.contents, m.created_at, g.n FROM messages m"
                        + " JOIN (SELECT pid, COUNT(*) AS n FROM migrate_map GROUP BY pid) g ON g.pid = m.ref",
                "INSERT INTO queue(ref, recipient, package_id, size, created_at)"
                        + " SELECT m.ref, m.recipient, x.pid, LENGTH(m.contents), m.created_at FROM messages m"
                        + " JOIN migrate_map x ON x.ref = m.ref",
                "UPDATE accounts SET queued_count = (SELECT COUNT(*) FROM queue q WHERE q.recipient = accounts.uid),"
                        + " queued_bytes = (SELECT COALESCE(SUM(q.size), 0) FROM queue q WHERE q.recipient = accounts.uid)",
                "DROP TABLE migrate_map",
                "DROP TABLE messages"));
        return out;
    }

    /** The version 1 tables exactly as the relay before this schema created them (for migration tests). */
    static List<String> version1(Dialect d) {
        if (d == Dialect.SQLITE) {
            return List.of(
                    "CREATE TABLE IF NOT EXISTS accounts(uid TEXT PRIMARY KEY, token_hash BLOB NOT NULL,"
                            + " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0)",
                    "CREATE TABLE IF NOT EXISTS messages(ref INTEGER PRIMARY KEY, recipient TEXT NOT NULL,"
                            + " sender TEXT NOT NULL, contents TEXT NOT NULL, created_at INTEGER NOT NULL)",
                    "CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, ref)",
                    "CREATE TABLE IF NOT EXISTS relay_meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_ref INTEGER NOT NULL)",
                    "INSERT INTO relay_meta(id, last_ref) VALUES (1, 0) ON CONFLICT (id) DO NOTHING");
        }
        return List.of(
                "CREATE TABLE IF NOT EXISTS accounts(uid TEXT PRIMARY KEY, token_hash BYTEA NOT NULL,"
                        + " created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE IF NOT EXISTS messages(ref BIGINT PRIMARY KEY, recipient TEXT NOT NULL,"
                        + " sender TEXT NOT NULL, contents TEXT NOT NULL, created_at BIGINT NOT NULL)",
                "CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, ref)",
                "CREATE TABLE IF NOT EXISTS relay_meta(id INT PRIMARY KEY CHECK (id = 1), last_ref BIGINT NOT NULL)",
                "INSERT INTO relay_meta(id, last_ref) VALUES (1, 0) ON CONFLICT (id) DO NOTHING");
    }
}
