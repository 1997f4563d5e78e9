package org.otpi.bridge.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * TEST-ONLY in-memory relay shared by several clients' {@link RelayApi} sessions. Like the real
 * relay it is untrusted: tests use {@link #inject} to replay, forge or reorder.
 */
final class FakeRelay implements RelayApiFactory {
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final List<RelayMessage> messages = new CopyOnWriteArrayList<>();
    private final Map<String, List<Consumer<RelayMessage>>> listeners = new ConcurrentHashMap<>();
    private long nextRef = 1;
    final List<Long> acks = new CopyOnWriteArrayList<>();
    /** Accounts that exist on the relay before any client of the test registers (other people). */
    private final java.util.Set<String> existing = ConcurrentHashMap.newKeySet();
    /** Idempotency keys seen (sender + key -> ref), as the real relay keeps them. */
    private final Map<String, Long> keys = new ConcurrentHashMap<>();
    /** While true every call fails as if the relay were not running. */
    volatile boolean down;
    /** While true a send is stored but its answer is lost (the client sees a broken connection). */
    volatile boolean loseSendAnswers;
    /** This many of the next sends fail as if the relay had gone down (nothing stored). */
    final java.util.concurrent.atomic.AtomicInteger failNextSends = new java.util.concurrent.atomic.AtomicInteger();
    /** Send attempts that reached the relay (stored or not). */
    final java.util.concurrent.atomic.AtomicInteger sendAttempts = new java.util.concurrent.atomic.AtomicInteger();
    static final java.net.URI URI = java.net.URI.create("http://relay.invalid:8090");

    /** Declares accounts as existing (the real relay refuses packages for unknown accounts). */
    FakeRelay existing(String... users) {
        existing.addAll(List.of(users));
        return this;
    }

    @Override
    public RelayApi connect(java.net.URI relay) {
        return new Session();
    }

    /** Stores and pushes a message as if someone had sent it. */
    synchronized RelayMessage inject(String from, String to, String packageB64) {
        RelayMessage m = new RelayMessage(nextRef++, from, to, packageB64);
        messages.add(m);
        listeners.getOrDefault(to, List.of()).forEach(l -> l.accept(m));
        return m;
    }

    /** Pushes an already stored message again, as a relay may. */
    void redeliver(RelayMessage m) {
        listeners.getOrDefault(m.to(), List.of()).forEach(l -> l.accept(m));
    }

    List<RelayMessage> all() {
        return List.copyOf(messages);
    }

    final class Session implements RelayApi {
        private String user;

        @Override
        public String register(String name) throws IOException {
            if (down) {
                throw new RelayUnreachableException("cannot reach the relay at " + URI
                        + ": is it running, and is the URL right? (change it with --relay URL)", null);
            }
            if (tokens.containsKey(name)) {
                throw new RelayRefusedException(409, "the relay refused: unavailable");
            }
            String token = UUID.randomUUID().toString();
            tokens.put(name, token);
            user = name;
            return token;
        }

        @Override
        public void login(String name, String token) throws IOException {
            if (!token.equals(tokens.get(name))) {
                throw new IOException("bad token");
            }
            user = name;
        }

        @Override
        public long send(String to, String packageB64, String idempotencyKey) throws IOException {
            require();
            sendAttempts.incrementAndGet();
            if (failNextSends.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new RelayUnreachableException("cannot reach the relay at " + URI
                        + ": is it running, and is the URL right? (change it with --relay URL)", null);
            }
            if (!tokens.containsKey(to) && !existing.contains(to)) {
                throw new RelayRefusedException(404, "the relay refused: not found");
            }
            long ref;
            synchronized (FakeRelay.this) {
                Long earlier = idempotencyKey == null ? null : keys.get(user + "/" + idempotencyKey);
                ref = earlier != null ? earlier : inject(user, to, packageB64).ref();
                if (idempotencyKey != null) {
                    keys.put(user + "/" + idempotencyKey, ref);
                }
            }
            if (loseSendAnswers) {
                throw new RelayUnreachableException("cannot reach the relay at " + URI + " (answer lost)", null);
            }
            return ref;
        }

        @Override
        public List<RelayMessage> fetch(long sinceRef) throws IOException {
            require();
            List<RelayMessage> out = new ArrayList<>();
            for (RelayMessage m : messages) {
                if (m.to().equals(user) && m.ref() > sinceRef) {
                    out.add(m);
                }
            }
            return out;
        }

        @Override
        public void ack(long ref) {
            acks.add(ref);
        }

        @Override
        public List<RelayUser> users() throws IOException {
            require();
            java.util.Set<String> all = new java.util.TreeSet<>(tokens.keySet());
            all.addAll(existing);
            return all.stream().map(u -> new RelayUser(u, listeners.containsKey(u))).toList();
        }

        @Override
        public AutoCloseable subscribe(long sinceRef, Consumer<RelayMessage> listener) throws IOException {
            require();
            String me = user;
            synchronized (FakeRelay.this) {
                fetch(sinceRef).forEach(listener);
                listeners.computeIfAbsent(me, k -> new CopyOnWriteArrayList<>()).add(listener);
            }
            return () -> {
                List<Consumer<RelayMessage>> l = listeners.get(me);
                l.remove(listener);
                if (l.isEmpty()) {
                    listeners.remove(me);
                }
            };
        }

        @Override
        public void close() {
        }

        private void require() throws IOException {
            if (down) {
                throw new RelayUnreachableException("cannot reach the relay at " + URI
                        + ": is it running, and is the URL right? (change it with --relay URL)", null);
            }
            if (user == null) {
                throw new IOException("not logged in");
            }
        }
    }
}
