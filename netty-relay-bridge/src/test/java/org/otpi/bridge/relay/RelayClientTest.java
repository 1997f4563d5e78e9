package org.otpi.bridge.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.relay.RelayConfig;
import org.otpi.relay.RelayLimits;
import org.otpi.relay.RelayServer;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.SqliteRelayStore;

/** RelayClient against a real RelayServer on a real loopback socket. */
class RelayClientTest {
    @TempDir
    Path dir;
    RelayStore store;
    RelayServer server;
    RelayClient anon;

    @BeforeEach
    void start() throws Exception {
        store = SqliteRelayStore.open(dir.resolve("relay.db"), SqliteRelayStore.Sync.NORMAL);
        server = RelayServer.start(RelayConfig.builder().port(0).workerThreads(8).ioThreads(2)
                .limits(RelayLimits.defaults().withRegistrationRate(1000, 1000).withSizes(4000, 16_384)).build(), store);
        anon = RelayClient.builder(server.uri()).build();
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    /** Records what a subscription hears. */
    static final class Recorder implements RelayListener {
        final BlockingQueue<RelayMessage> messages = new LinkedBlockingQueue<>();
        final CountDownLatch synced = new CountDownLatch(1);
        volatile long syncedRef = -1;
        final CountDownLatch closed = new CountDownLatch(1);
        volatile int closeCode = -1;

        @Override
        public void onMessages(List<RelayMessage> batch) {
            messages.addAll(batch);
        }

        @Override
        public void onSynced(long nextRef) {
            syncedRef = nextRef;
            synced.countDown();
        }

        @Override
        public void onClosed(int statusCode, String reason) {
            closeCode = statusCode;
            closed.countDown();
        }

        @Override
        public void onError(Throwable error) {
            closed.countDown();
        }

        List<RelayMessage> take(int n) throws InterruptedException {
            List<RelayMessage> out = new ArrayList<>();
            while (out.size() < n) {
                RelayMessage m = messages.poll(10, TimeUnit.SECONDS);
                if (m == null) {
                    throw new AssertionError("only " + out.size() + " of " + n + " packages arrived");
                }
                out.add(m);
            }
            return out;
        }
    }

    @Test
    void registerSendFetchAck_throughTheLibrary() throws Exception {
        RelayClient alice = anon.withToken(anon.register("alice"));
        RelayClient bob = anon.withToken(anon.register("bob"));
        RelayClient carol = anon.withToken(anon.register("carol"));
        assertTrue(anon.health());
        long start = bob.nextRef();
        List<Long> refs = alice.send(List.of("bob", "carol"), "AAEC");
        assertEquals(List.of(start, start + 1), refs);
        long second = alice.send("bob", "AwQF");

        FetchResult page1 = bob.fetch(start, 1);
        assertEquals(1, page1.messages().size());
        RelayMessage m = page1.messages().get(0);
        assertEquals(new RelayMessage(start, "alice", "bob", "AAEC", m.sentAt()), m);
        assertTrue(m.sentAt() > 0);
        FetchResult page2 = bob.fetch(page1.nextRef(), 10);
        assertEquals(List.of(second), page2.messages().stream().map(RelayMessage::ref).toList());
        assertEquals(second + 1, page2.nextRef());
        assertEquals(2, bob.ack(List.of(start, second)));
        assertTrue(bob.fetch(0, 10).messages().isEmpty());
        assertEquals(1, carol.fetch(0, 10).messages().size());

        Thread.sleep(5); // activity is kept to the millisecond
        List<RelayUser> users = alice.users();
        assertEquals(Set.of("alice", "bob", "carol"), Set.copyOf(users.stream().map(RelayUser::uid).toList()));
        assertEquals("alice", users.get(0).uid(), "the account just active comes first");
        assertEquals(Optional.of(new RelayUser("carol", true)), alice.user("carol"), "lookup by name");
        assertEquals(Optional.empty(), alice.user("nobody"));
    }

    @Test
    void refusals_carryTheHttpStatus() throws Exception {
        String token = anon.register("alice");
        RelayClient alice = anon.withToken(token);
        assertEquals(409, assertThrows(RelayException.class, () -> anon.register("alice")).status());
        assertEquals(400, assertThrows(RelayException.class, () -> anon.register("bad name")).status());
        assertEquals(404, assertThrows(RelayException.class, () -> alice.send("ghost", "AAAA")).status());
        assertEquals(413, assertThrows(RelayException.class, () -> alice.send("alice", "A".repeat(4004))).status());
        RelayClient forged = anon.withToken("alice." + "A".repeat(43));
        assertEquals(401, assertThrows(RelayException.class, forged::nextRef).status());
        assertEquals(401, assertThrows(RelayException.class, () -> forged.subscribe(0, new Recorder())).status());
        assertThrows(IllegalStateException.class, anon::users, "no token: refused before any request");
        RelayClient nowhere = RelayClient.builder(URI.create("http://127.0.0.1:1")).build();
        assertEquals(0, assertThrows(RelayException.class, () -> nowhere.register("x")).status());
        assertFalse(nowhere.health());
    }

    @Test
    void subscribe_pushesLivePackages() throws Exception {
        RelayClient alice = anon.withToken(anon.register("alice"));
        RelayClient bob = anon.withToken(anon.register("bob"));
        Recorder rec = new Recorder();
        try (Subscription s = bob.subscribe(bob.nextRef(), rec)) {
            assertTrue(rec.synced.await(10, TimeUnit.SECONDS));
            assertTrue(s.isOpen());
            long ref = alice.send("bob", "AAEC");
            RelayMessage got = rec.take(1).get(0);
            assertEquals(ref, got.ref());
            assertEquals("AAEC", got.contents());
            assertEquals("alice", got.from());
            assertTrue(alice.users().stream().anyMatch(u -> u.uid().equals("bob") && u.online()), "bob is online while subscribed");
        }
    }

    @Test
    void offlineQueue_isDeliveredOnReconnect_andWebSocketAckDeletes() throws Exception {
        RelayClient alice = anon.withToken(anon.register("alice"));
        RelayClient bob = anon.withToken(anon.register("bob"));
        Set<Long> sent = new TreeSet<>();
        for (int i = 0; i < 3; i++) {
            sent.add(alice.send("bob", "AAE" + i));
        }
        Recorder first = new Recorder();
        try (Subscription s = bob.subscribe(0, first)) {
            List<RelayMessage> got = first.take(3);
            assertEquals(sent, new TreeSet<>(got.stream().map(RelayMessage::ref).toList()));
            assertTrue(first.synced.await(10, TimeUnit.SECONDS));
            s.ack(sent);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.queued("bob") > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, store.queued("bob"), "acknowledged over the WebSocket");
        }
        long later = alice.send("bob", "BBBB");
        Recorder second = new Recorder();
        try (Subscription s = bob.subscribe(0, second)) {
            assertTrue(second.synced.await(10, TimeUnit.SECONDS));
            List<RelayMessage> got = second.take(1);
            assertEquals(later, got.get(0).ref(), "only the unacknowledged package comes back");
            Thread.sleep(200);
            assertTrue(second.messages.isEmpty());
        }
    }

    @Test
    void serverClosingTheSession_isReported() throws Exception {
        RelayClient bob = anon.withToken(anon.register("bob"));
        Recorder rec = new Recorder();
        Subscription s = bob.subscribe(0, rec);
        assertTrue(rec.synced.await(10, TimeUnit.SECONDS));
        server.close();
        assertTrue(rec.closed.await(10, TimeUnit.SECONDS), "listener hears the end of the session");
        assertEquals(1001, rec.closeCode, "the stopping relay says it is going away, not a dead socket");
        s.close();
    }
}
