package org.otpi.relay.store;

import java.nio.file.Path;

/** Opens a store from the command-line spelling {@code sqlite:PATH} or {@code postgres:JDBCURL}. */
public final class RelayStores {
    private RelayStores() {
    }

    /**
     * @param spec {@code sqlite:/var/lib/otpi-relay/relay.db} or
     *     {@code postgres:jdbc:postgresql://127.0.0.1:5432/relay?user=relay}
     * @throws IllegalArgumentException for any other spelling
     */
    public static RelayStore open(String spec) {
        if (spec.startsWith("sqlite:")) {
            return SqliteRelayStore.open(Path.of(spec.substring("sqlite:".length())));
        }
        if (spec.startsWith("postgres:")) {
            String url = spec.substring("postgres:".length());
            if (!url.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("postgres store needs a jdbc:postgresql: URL");
            }
            return PostgresRelayStore.open(url);
        }
        throw new IllegalArgumentException("store must be sqlite:PATH or postgres:JDBCURL");
    }
}
