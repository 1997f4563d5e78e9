package org.otpi.relay.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

class SqliteRelayStoreTest extends RelayStoreContract {
    @TempDir
    Path dir;
    private Path file;
    private int n;

    @Override
    RelayStore newStore() {
        file = dir.resolve("relay" + (n++) + ".db");
        return SqliteRelayStore.open(file);
    }

    @Override
    RelayStore reopen(RelayStore old) {
        old.close();
        return SqliteRelayStore.open(file);
    }

    @Override
    Connection sql() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + file);
    }

    @Override
    RelayStore openVersion1(List<String> inserts) throws SQLException {
        file = dir.resolve("v1-" + (n++) + ".db");
        try (Connection c = sql(); Statement st = c.createStatement()) {
            for (String ddl : Schema.version1(Dialect.SQLITE)) {
                st.execute(ddl);
            }
            for (String sql : inserts) {
                st.execute(sql);
            }
        }
        return SqliteRelayStore.open(file);
    }

    @Override
    String hex(String hex) {
        return "X'" + hex + "'";
    }
}
