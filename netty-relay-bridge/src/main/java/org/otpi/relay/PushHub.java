package org.otpi.relay;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.otpi.relay.store.StoredMessage;

/** The live WebSocket sessions on this node, by account. Thread-safe. */
final class PushHub {

    /** One live connection able to take pushed packages. */
    interface Session {
        /** Queues the packages for sending; must not block. */
        void push(List<StoredMessage> messages);

        /** The node is stopping: says so (WebSocket 1001) and closes; done when closed. */
        io.netty.util.concurrent.Future<?> goingAway();
    }

    private final Map<String, Set<Session>> sessions = new ConcurrentHashMap<>();

    void add(String uid, Session s) {
        sessions.computeIfAbsent(uid, k -> ConcurrentHashMap.newKeySet()).add(s);
    }

    void remove(String uid, Session s) {
        sessions.computeIfPresent(uid, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    boolean isEmpty() {
        return sessions.isEmpty();
    }

    boolean isOnline(String uid) {
        return sessions.containsKey(uid);
    }

    Set<String> onlineUids() {
        return Set.copyOf(sessions.keySet());
    }

    int sessionCount() {
        int n = 0;
        for (Set<Session> s : sessions.values()) {
            n += s.size();
        }
        return n;
    }

    /** Every live session, at this moment. */
    List<Session> all() {
        return sessions.values().stream().flatMap(Set::stream).toList();
    }

    Set<Session> sessionsOf(String uid) {
        Set<Session> s = sessions.get(uid);
        return s == null ? Set.of() : s;
    }
}
