package org.otpi.bridge.cli;

import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * Connects a {@link RelayApi} to a relay URL.
 *
 * <p>=== WIRING POINT FOR THE RELAY CLIENT ===
 * The default ({@link #fromServiceLoader()}) finds an implementation registered in
 * META-INF/services/org.otpi.bridge.cli.RelayApiFactory; the adapter over
 * {@code org.otpi.bridge.relay.RelayClient} registers there (or replace that method's body).
 */
@FunctionalInterface
public interface RelayApiFactory {
    RelayApi connect(URI relay) throws IOException;

    /** The registered factory, or one that fails with a clear message. */
    static RelayApiFactory fromServiceLoader() {
        Iterator<RelayApiFactory> it = ServiceLoader.load(RelayApiFactory.class).iterator();
        if (it.hasNext()) {
            return it.next();
        }
        return uri -> {
            throw new IOException("no relay client on the classpath (no " + RelayApiFactory.class.getName() + " registered)");
        };
    }
}
