package org.otpi.appliance.kiosk;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.otpi.appliance.rpc.PairingDisplay;
import org.otpi.protocol.kiosk.KioskMessage;

/**
 * Shows pairing codes on the kiosk: {@link #show} pushes a {@link KioskMessage.PairingCode} to
 * every connected kiosk, {@link #clear} a {@link KioskMessage.PairingCleared}; a kiosk that
 * connects while a code is still valid gets it at once (as {@link KioskApprover} replays prompts).
 *
 * <p>The code is a secret for its lifetime: it goes only to the kiosk socket (whose peer is
 * checked to be the kiosk user) and never to a log. One code at a time, as
 * {@link org.otpi.appliance.rpc.PairingManager} keeps one pairing pending.
 *
 * <p>Thread-safe. Pushes happen under this object's lock so a replay can never overtake the
 * clear that followed it; sending only queues, it never blocks.
 */
public final class KioskPairingDisplay implements PairingDisplay {
    private final KioskServer server;
    private final Clock clock;
    private Showing showing; // guarded by this

    private record Showing(String client, String code, Instant expires) {
        @Override
        public String toString() {
            return "Showing[client=" + client + ", code=<hidden>]";
        }
    }

    private KioskPairingDisplay(KioskServer server, Clock clock) {
        this.server = Objects.requireNonNull(server, "server");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A display on {@code server}'s kiosks; {@code clock} decides when a code is too old to replay. */
    public static KioskPairingDisplay on(KioskServer server, Clock clock) {
        KioskPairingDisplay d = new KioskPairingDisplay(server, clock);
        server.attachPairing(d);
        return d;
    }

    @Override
    public synchronized void show(String clientName, String code, Duration validFor) {
        showing = new Showing(clientName, code, clock.instant().plus(validFor));
        server.broadcast(message(showing));
    }

    @Override
    public synchronized void clear(String clientName) {
        if (showing != null && showing.client().equals(clientName)) {
            showing = null;
        }
        server.broadcast(new KioskMessage.PairingCleared(clientName));
    }

    /** Sends the code still on show, if any and not expired, to a kiosk that just connected. */
    synchronized void replay(KioskSession session) {
        if (showing == null) {
            return;
        }
        if (clock.instant().isBefore(showing.expires())) {
            session.send(message(showing));
        } else {
            showing = null; // expired unused: PairingManager refuses it anyway
        }
    }

    /** Whether a code is on show (for tests). */
    synchronized boolean showing() {
        return showing != null && clock.instant().isBefore(showing.expires());
    }

    private static KioskMessage.PairingCode message(Showing s) {
        return new KioskMessage.PairingCode(s.client(), s.code(), s.expires().toEpochMilli());
    }
}
