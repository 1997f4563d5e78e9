package org.otpi.bridge.relay;

import java.util.Collection;

/** A live WebSocket session with the relay. Thread-safe. */
public interface Subscription extends AutoCloseable {

    /** Acknowledges packages over the WebSocket (the relay deletes them); fire and forget. */
    void ack(Collection<Long> refs);

    boolean isOpen();

    /** Closes the session (normal closure); idempotent. */
    @Override
    void close();
}
