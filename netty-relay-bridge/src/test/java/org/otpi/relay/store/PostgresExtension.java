package org.otpi.relay.store;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one real PostgreSQL server (Debian's package, via {@link LocalPostgres}) for the whole
 * test run and stops it when JUnit closes the root context. Each caller gets its own database.
 * Fails, never skips, when the server cannot be started: the PostgreSQL store must be tested.
 */
public final class PostgresExtension implements BeforeAllCallback {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static volatile LocalPostgres server;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent("otpi-postgres", k -> {
            try {
                LocalPostgres pg = LocalPostgres.start(false);
                server = pg;
                return (ExtensionContext.Store.CloseableResource) () -> {
                    server = null;
                    pg.close();
                };
            } catch (Exception e) {
                throw new IllegalStateException("cannot start PostgreSQL for tests", e);
            }
        });
    }

    /** A fresh, empty database on the shared server; returns its JDBC URL. */
    public static String newDatabase() {
        LocalPostgres pg = server;
        if (pg == null) {
            throw new IllegalStateException("PostgresExtension not registered on this test class");
        }
        try {
            return pg.createDatabase("relay_" + DATABASES.incrementAndGet());
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
