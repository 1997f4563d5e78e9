package org.otpi.relay.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteRelayStoreTest extends RelayStoreContract {
    @TempDir
    Path dir;

    @Override
    RelayStore newStore() {
        return SqliteRelayStore.open(dir.resolve("relay.db"));
    }

    @Override
    RelayStore reopen(RelayStore old) {
        old.close();
        return SqliteRelayStore.open(dir.resolve("relay.db"));
    }
}
