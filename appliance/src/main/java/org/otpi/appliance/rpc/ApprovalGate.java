package org.otpi.appliance.rpc;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** At most one pending approval (and pad operation) per paired client. Thread-safe. */
final class ApprovalGate {
    private final Set<String> busy = ConcurrentHashMap.newKeySet();

    /** Claims the client's single slot; false if it already has an operation in flight. */
    boolean tryAcquire(String client) {
        return busy.add(client);
    }

    void release(String client) {
        busy.remove(client);
    }
}
