package org.otpi.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayListener;
import org.otpi.bridge.relay.RelayMessage;
import org.otpi.bridge.relay.Subscription;
import org.tinylog.Logger;

/**
 * A live subscriber as a real client would run one: a WebSocket that acknowledges what it gets,
 * and when the session ends (a node killed, a load balancer timeout) opens a new one (from ref
 * 0: the relay sends whatever is still unacknowledged). Records every package by ref;
 * duplicates (the same ref again) are counted and otherwise ignored, as clients deduplicate by ref.
 */
final class ReconnectingSubscriber implements AutoCloseable {
    private final RelayClient client;
    private final String name;
    final Map<Long, String> received = new ConcurrentHashMap<>();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger sessions = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Subscription current;
    private final Thread reconnector;
    private final Object signal = new Object();
    private volatile boolean needsSession = true;

    ReconnectingSubscriber(RelayClient client, String name) {
        this.client = client;
        this.name = name;
        this.reconnector = new Thread(this::loop, "subscriber-" + name);
        reconnector.setDaemon(true);
        reconnector.start();
    }

    private void loop() {
        while (!closed.get()) {
            if (needsSession) {
                try {
                    needsSession = false;
                    current = client.subscribe(0, new Listener());
                    sessions.incrementAndGet();
                } catch (Exception e) {
                    needsSession = true;
                    Logger.debug("subscriber {}: cannot open a session yet ({})", name, e.getMessage());
                }
            }
            synchronized (signal) {
                try {
                    signal.wait(needsSession ? 200 : 1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
            Subscription s = current;
            if (s != null && !s.isOpen()) {
                needsSession = true;
            }
        }
    }

    private void lost() {
        needsSession = true;
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private final class Listener implements RelayListener {
        @Override
        public void onMessages(List<RelayMessage> messages) {
            List<Long> refs = new ArrayList<>();
            for (RelayMessage m : messages) {
                if (received.putIfAbsent(m.ref(), m.contents()) != null) {
                    duplicates.incrementAndGet();
                }
                refs.add(m.ref());
            }
            Subscription s = current;
            if (s != null) {
                s.ack(refs);
            }
        }

        @Override
        public void onClosed(int status, String reason) {
            lost();
        }

        @Override
        public void onError(Throwable error) {
            lost();
        }
    }

    @Override
    public void close() {
        closed.set(true);
        reconnector.interrupt();
        Subscription s = current;
        if (s != null) {
            s.close();
        }
    }
}
