package org.otpi.bridge.relay;

import java.util.List;

/**
 * Receives a live subscription's events, on an HttpClient thread, one call at a time. Must not
 * block for long. The relay may send a package more than once (deduplicate by ref).
 */
public interface RelayListener {
    /** Packages pushed by the relay (the offline queue first, then live ones). */
    void onMessages(List<RelayMessage> messages);

    /** The offline queue has been sent; {@code nextRef} is where a later fetch may start. */
    default void onSynced(long nextRef) {
    }

    /** The session ended (by either side, or the network). */
    default void onClosed(int statusCode, String reason) {
    }

    /** A transport or protocol error; the session is closed afterwards. */
    default void onError(Throwable error) {
    }
}
