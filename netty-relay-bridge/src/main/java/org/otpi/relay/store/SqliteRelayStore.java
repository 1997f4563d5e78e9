package org.otpi.relay.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;

/**
 * The default store: one SQLite file in WAL mode. One node only (there is nobody to notify, and
 * rate limits stay in the process).
 *
 * <p>Durability: with {@link Sync#FULL} (the default) every group commit is fsync'd before any
 * sender hears "stored"; {@link Sync#NORMAL} survives a crash of the relay process but may lose
 * the last commits on power loss. Either way the relay is untrusted: a lost package is a "skip"
 * the receiving device detects.
 *
 * <p>A database made by the relay before schema 2 is migrated when opened (see {@link Schema}).
 */
public final class SqliteRelayStore extends JdbcRelayStore {

    /** SQLite {@code synchronous} setting. */
    public enum Sync { FULL, NORMAL }

    SqliteRelayStore(ConnectionFactory factory) {
        super(Dialect.SQLITE, factory, 4, "sqlite");
    }

    /** Opens (creating if needed) the store file. */
    public static SqliteRelayStore open(Path file, Sync sync) {
        String url = "jdbc:sqlite:" + file.toAbsolutePath();
        return new SqliteRelayStore(() -> connect(url, sync));
    }

    /** Opens the store file with {@link Sync#FULL}. */
    public static SqliteRelayStore open(Path file) {
        return open(file, Sync.FULL);
    }

    static Connection connect(String url, Sync sync) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        config.setSynchronous(sync == Sync.FULL ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
        config.setBusyTimeout(10_000);
        config.setTempStore(SQLiteConfig.TempStore.MEMORY);
        return config.createConnection(url);
    }
}
