package org.otpi.appliance.tunnel;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The link's time-driven events, in one place (after wireguard-go's timers.go). The peer calls the
 * {@code on...} methods as things happen and {@link #tick} once a second; {@code tick} answers what
 * is due. No threads here; the clock is injected so tests can drive it.
 */
final class TunnelTimers {

    /** What {@link #tick} found due. */
    record Due(boolean keepalive, boolean handshake, boolean stats) {
    }

    private final LongSupplier clock;
    private final long keepaliveMillis;
    private final long handshakeRetryMillis;
    private final long rehandshakeMillis;
    private final long statsMillis;
    private final AtomicLong lastSent = new AtomicLong();
    private final AtomicLong lastHandshakeSent = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong lastHandshakeDone = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong lastStats = new AtomicLong();
    private volatile boolean handshakeDone;

    TunnelTimers(LongSupplier clock, long keepaliveMillis, long handshakeRetryMillis, long rehandshakeMillis,
            long statsMillis) {
        this.clock = clock;
        this.keepaliveMillis = keepaliveMillis;
        this.handshakeRetryMillis = handshakeRetryMillis;
        this.rehandshakeMillis = rehandshakeMillis;
        this.statsMillis = statsMillis;
        long now = clock.getAsLong();
        lastSent.set(now);
        lastStats.set(now);
    }

    /** Call after any datagram was sent to the peer. */
    void onDataSent() {
        lastSent.set(clock.getAsLong());
    }

    /** Call after a HELLO was sent. */
    void onHandshakeSent() {
        lastHandshakeSent.set(clock.getAsLong());
    }

    /** Call after a WELCOME answering our HELLO was verified. */
    void onHandshakeComplete() {
        lastHandshakeDone.set(clock.getAsLong());
        handshakeDone = true;
    }

    /** True once a handshake completed. */
    boolean handshakeDone() {
        return handshakeDone;
    }

    /** Call about once a second; says what is due now and marks it as done. */
    Due tick(boolean handshakeEnabled, boolean keepaliveEnabled) {
        long now = clock.getAsLong();
        boolean hs = false;
        if (handshakeEnabled) {
            boolean stale = !handshakeDone || now - lastHandshakeDone.get() >= rehandshakeMillis;
            if (stale && now - lastHandshakeSent.get() >= handshakeRetryMillis) {
                hs = true;
            }
        }
        boolean ka = keepaliveEnabled && now - lastSent.get() >= keepaliveMillis;
        boolean st = now - lastStats.get() >= statsMillis;
        if (st) {
            lastStats.set(now);
        }
        return new Due(ka, hs, st);
    }
}
