package org.otpi.appliance.securitylog;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The recent security log in memory, for the screen (law 6: say what happened). Every entry
 * logged with the TinyLog tag {@code security} lands here through {@link SecurityEventsWriter}
 * as well as in the security log file. Bounded ring; thread-safe.
 */
public final class SecurityEvents {
    /** One security event. {@code kind} is the leading upper-case word of the message
     *  (REPLAY, FORGERY, SKIP, ...) or the level in lower case. */
    public record Event(long seq, long epochMillis, String level, String kind, String text) {
    }

    private static final int CAPACITY = 2000;
    private static final Deque<Event> RING = new ArrayDeque<>();
    private static final List<Consumer<Event>> LISTENERS = new CopyOnWriteArrayList<>();
    private static long seq;

    private SecurityEvents() {
    }

    static void record(long epochMillis, String level, String message) {
        Event e;
        synchronized (RING) {
            e = new Event(++seq, epochMillis, level, kindOf(level, message), message);
            RING.addLast(e);
            if (RING.size() > CAPACITY) {
                RING.removeFirst();
            }
        }
        for (Consumer<Event> l : LISTENERS) {
            try {
                l.accept(e);
            } catch (RuntimeException ignored) {
                // a listener must not break logging
            }
        }
    }

    static String kindOf(String level, String message) {
        int colon = message.indexOf(':');
        if (colon > 1 && colon < 24) {
            String head = message.substring(0, colon);
            if (head.chars().allMatch(c -> (c >= 'A' && c <= 'Z') || c == '-' || c == '_')) {
                return head.toLowerCase(java.util.Locale.ROOT);
            }
        }
        return level.toLowerCase(java.util.Locale.ROOT);
    }

    /** Entries after {@code afterSeq}, oldest first, at most {@code limit}. */
    public static List<Event> since(long afterSeq, int limit) {
        List<Event> out = new ArrayList<>();
        synchronized (RING) {
            for (Event e : RING) {
                if (e.seq() > afterSeq && out.size() < limit) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    public static void addListener(Consumer<Event> l) {
        LISTENERS.add(l);
    }

    public static void removeListener(Consumer<Event> l) {
        LISTENERS.remove(l);
    }
}
