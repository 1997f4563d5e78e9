package org.otpi.appliance.tunnel;

import java.util.concurrent.atomic.LongAdder;

/** Counters of one link; cheap to bump from many threads. */
public final class TunnelStats {

    final LongAdder txPackets = new LongAdder();
    final LongAdder txBytes = new LongAdder();
    final LongAdder rxPackets = new LongAdder();
    final LongAdder rxBytes = new LongAdder();
    final LongAdder authFailures = new LongAdder();
    final LongAdder replays = new LongAdder();
    final LongAdder malformed = new LongAdder();
    final LongAdder foreignSource = new LongAdder();
    final LongAdder handshakes = new LongAdder();
    final LongAdder keepalives = new LongAdder();
    final LongAdder sendErrors = new LongAdder();
    final LongAdder queueDrops = new LongAdder();
    final LongAdder tunDrops = new LongAdder();
    final LongAdder tunMalformed = new LongAdder();

    public long txPackets() {
        return txPackets.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    public long rxPackets() {
        return rxPackets.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    /** Wrong slot auth tag, failed Poly1305 tag, or a sequence beyond the key material. */
    public long authFailures() {
        return authFailures.sum();
    }

    /** Sequence seen before, older than the window, or below the durable floor after a restart. */
    public long replays() {
        return replays.sum();
    }

    /** Truncated, wrong magic/version/direction, or a bad handshake message. */
    public long malformed() {
        return malformed.sum();
    }

    /** Datagrams from an address other than the peer's. */
    public long foreignSource() {
        return foreignSource.sum();
    }

    public long handshakes() {
        return handshakes.sum();
    }

    public long keepalives() {
        return keepalives.sum();
    }

    /** Datagrams dropped because the receive pipeline was full (overload, as a router would). */
    public long queueDrops() {
        return queueDrops.sum();
    }

    /** Packets the TUN refused (its queue full, or a packet the kernel found malformed). */
    public long tunDrops() {
        return tunDrops.sum();
    }

    /** TUN reads we could not use (an offload header or super-packet that did not add up). */
    public long tunMalformed() {
        return tunMalformed.sum();
    }

    /** One line, machine-greppable (the e2e tests parse it). */
    public String line() {
        return "txPackets=" + txPackets() + " txBytes=" + txBytes() + " rxPackets=" + rxPackets()
                + " rxBytes=" + rxBytes() + " authFailures=" + authFailures() + " replays=" + replays()
                + " malformed=" + malformed() + " foreignSource=" + foreignSource()
                + " handshakes=" + handshakes() + " keepalives=" + keepalives() + " queueDrops=" + queueDrops()
                + " tunDrops=" + tunDrops() + " tunMalformed=" + tunMalformed();
    }

    @Override
    public String toString() {
        return "TunnelStats[" + line() + "]";
    }
}
