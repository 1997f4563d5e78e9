package org.otpi.bridge.cli;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the laptop client needs from the (untrusted) relay. The relay only ever sees sealed
 * packages (base64) and user names. An adapter over the relay's own client implements this; see
 * {@link RelayApiFactory}.
 *
 * <p>Errors: {@link RelayUnreachableException} when there is no answer (its message names the
 * relay's URL), {@link RelayRefusedException} with the HTTP status when the relay refuses.
 *
 * <p>Thread-safety: implementations must allow {@link #subscribe} callbacks on their own thread
 * while other methods are called from the command thread.
 */
public interface RelayApi extends AutoCloseable {

    /** Creates an account for {@code user}; returns its secret token, which the caller keeps. */
    String register(String user) throws IOException;

    /** Like {@link #register(String)} on a relay that registers by invite code only. */
    default String register(String user, String invite) throws IOException {
        return register(user);
    }

    /** Whether {@code user} has an account on the relay (idle accounts are not all listed in {@link #users()}). */
    default boolean exists(String user) throws IOException {
        for (RelayUser u : users()) {
            if (u.name().equals(user)) {
                return true;
            }
        }
        return false;
    }

    /** Uses an existing account for the calls below. */
    void login(String user, String token) throws IOException;

    /**
     * Queues a sealed package for {@code to}; returns the relay's reference number for it.
     * {@code idempotencyKey} (1-64 of {@code A-Z a-z 0-9 _ -}, one random key per sealed package)
     * makes a retry of the same package after a lost answer be stored once.
     */
    long send(String to, String packageB64, String idempotencyKey) throws IOException;

    /** Messages for the logged-in user with a reference number greater than {@code sinceRef}, oldest first. */
    List<RelayMessage> fetch(long sinceRef) throws IOException;

    /** Tells the relay that message {@code ref} was handled and may be deleted from the queue. */
    void ack(long ref) throws IOException;

    /** Known users and whether they are online. */
    List<RelayUser> users() throws IOException;

    /**
     * Live push for the logged-in user until the returned handle is closed: first the queued
     * messages with a reference number greater than {@code sinceRef}, then new ones as they arrive.
     * May deliver a message twice (the client deduplicates by reference number). The listener is
     * called on the implementation's thread and must not block for long.
     */
    AutoCloseable subscribe(long sinceRef, Consumer<RelayMessage> listener) throws IOException;

    @Override
    void close() throws IOException;
}
