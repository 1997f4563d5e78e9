package org.otpi.appliance.tunnel;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory UDP network. Delivery is synchronous on the sender's thread. Every datagram is
 * recorded (the attacker's tap); any datagram can be injected from any address; a "NAT" can make
 * one endpoint appear under another address (roaming).
 */
final class FakeNetwork {

    record Datagram(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
    }

    final List<Datagram> tap = new CopyOnWriteArrayList<>();
    private final Map<InetSocketAddress, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<InetSocketAddress, InetSocketAddress> nat = new ConcurrentHashMap<>();

    static InetSocketAddress addr(String ip, int port) {
        return new InetSocketAddress(ip, port);
    }

    Endpoint bind(InetSocketAddress local) {
        Endpoint e = new Endpoint(local);
        endpoints.put(local, e);
        return e;
    }

    /** From now on {@code real} sends as {@code visible}, and datagrams to {@code visible} reach it. */
    void roam(InetSocketAddress real, InetSocketAddress visible) {
        nat.put(real, visible);
        endpoints.put(visible, endpoints.get(real));
    }

    void inject(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        Endpoint e = endpoints.get(to);
        if (e != null && e.receiver != null && !e.closed) {
            e.receiver.onDatagram(from, bytes.clone(), 0, bytes.length);
        }
    }

    final class Endpoint implements Udp {
        private final InetSocketAddress local;
        private volatile Receiver receiver;
        private volatile boolean closed;

        Endpoint(InetSocketAddress local) {
            this.local = local;
        }

        @Override
        public void start(Receiver r) {
            this.receiver = r;
        }

        @Override
        public void send(InetSocketAddress to, byte[] data, int offset, int length) {
            if (closed) {
                return;
            }
            byte[] copy = java.util.Arrays.copyOfRange(data, offset, offset + length);
            InetSocketAddress from = nat.getOrDefault(local, local);
            tap.add(new Datagram(from, to, copy));
            inject(from, to, copy);
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public void close() {
            closed = true;
        }
    }
}
