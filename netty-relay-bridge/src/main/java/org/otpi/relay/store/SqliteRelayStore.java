package org.otpi.relay.store;

import java.nio.file.Path;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * The default store: one SQLite file in WAL mode. One node only (there is nobody to notify).
 *
 * <p>Durability: with {@link Sync#FULL} (the default) every group commit is fsync'd before any
 * sender hears "stored"; {@link Sync#NORMAL} survives a crash of the relay process but may lose
 * the last commits on power loss. Either way the relay is untrusted: a lost package is a "skip"
 * the receiving device detects.
 */
public final class SqliteRelayStore extends JdbcRelayStore {

    /** SQLite {@code synchronous} setting. */
    public enum Sync { FULL, NORMAL }

    private static final List<String> SCHEMA = List.of(
            "CREATE TABLE IF NOT EXISTS accounts(uid TEXT PRIMARY KEY, token_hash BLOB NOT NULL,"
                    + " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL DEFAULT 0)",
            "CREATE TABLE IF NOT EXISTS messages(ref INTEGER PRIMARY KEY, recipient TEXT NOT NULL,"
                    + " sender TEXT NOT NULL, contents TEXT NOT NULL, created_at INTEGER NOT NULL)",
            "CREATE INDEX IF NOT EXISTS messages_by_recipient ON messages(recipient, ref)",
            "CREATE TABLE IF NOT EXISTS relay_meta(id INTEGER PRIMARY KEY CHECK (id = 1), last_ref INTEGER NOT NULL)",
            "INSERT INTO relay_meta(id, last_ref) VALUES (1, 0) ON CONFLICT (id) DO NOTHING");

    private SqliteRelayStore(String url, Sync sync) {
        super(forReading -> connect(url, sync), SCHEMA, 4, "sqlite");
    }

    /** Opens (creating if needed) the store file. */
    public static SqliteRelayStore open(Path file, Sync sync) {
        return new SqliteRelayStore("jdbc:sqlite:" + file.toAbsolutePath(), sync);
    }

    /** Opens the store file with {@link Sync#FULL}. */
    public static SqliteRelayStore open(Path file) {
        return open(file, Sync.FULL);
    }

    private static java.sql.Connection connect(String url, Sync sync) throws java.sql.SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(sync == Sync.FULL ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return config.createConnection(url);
    }
}
