package org.otpi.relay;

import java.util.List;
import org.otpi.relay.store.StoredMessage;

/**
 * Sees every batch of packages on its way to a recipient (fetch, legacy fetch and WebSocket
 * push) and may change it. The normal relay uses {@link #NONE}; tests use {@link ChaosProxy} to
 * act like the hostile relay of the threat model. Called from several threads.
 */
@FunctionalInterface
public interface DeliveryFilter {
    DeliveryFilter NONE = (recipient, batch) -> batch;

    List<StoredMessage> filter(String recipient, List<StoredMessage> batch);
}
