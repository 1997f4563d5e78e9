package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinylog.Logger;

/**
 * Each attack from issue 13 against a real relay, while a victim (two other accounts, another
 * client address) goes on sending, fetching and acknowledging. The victim's round trips are
 * timed before and during the attack; during it their p99 must stay under a generous bound
 * ({@link #P99_BOUND_MS}; this shared 2-core machine is noisy, so it is not a tight timing).
 * The relay trusts 127.0.0.1 as its proxy, so every test client names its own address in
 * X-Forwarded-For.
 */
class RelayAttackTest {
    static final double P99_BOUND_MS = 1000;
    private static final String VICTIM_ADDRESS = "192.0.2.10";
    private static final String ATTACKER_ADDRESS = "192.0.2.66";

    @TempDir
    Path dir;
    RelayFixture relay;
    TestClient.Victim victim;
    List<Double> baseline;

    static RelayLimits.Builder attackLimits() {
        return RelayLimits.defaults().toBuilder()
                .registrationRate(5, 50)
                .requestSeconds(2)
                .idleSeconds(10)
                .queueBytes(2L << 20)
                .memoryBudgetBytes(32L << 20)
                .connections(400, 50);
    }

    @BeforeEach
    void start() throws Exception {
        relay = RelayFixture.sqlite(dir, RelayFixture.testConfig().workerThreads(16)
                .trustedProxies(List.of("127.0.0.1")).limits(attackLimits().build()));
        victim = new TestClient.Victim(relay.server.address(), null, VICTIM_ADDRESS, "v");
        victim.roundTrips(10); // warm up
        baseline = victim.roundTrips(30);
    }

    @AfterEach
    void stop() {
        victim.close();
        relay.close();
    }

    private void assertVictimServedDuring(String attack, Runnable stillAttacking) throws Exception {
        List<Double> during = victim.roundTrips(40);
        stillAttacking.run();
        double p99 = TestClient.Victim.p99(during);
        Logger.info("{}: victim round trip p50/p99 before {}/{} ms, during {}/{} ms", attack,
                String.format("%.1f", TestClient.Victim.p50(baseline)), String.format("%.1f", TestClient.Victim.p99(baseline)),
                String.format("%.1f", TestClient.Victim.p50(during)), String.format("%.1f", p99));
        assertTrue(p99 < P99_BOUND_MS, attack + ": victim p99 " + p99 + " ms during the attack (before: "
                + TestClient.Victim.p99(baseline) + " ms)");
    }

    private static HttpClient http() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void webSocketAckFlood_doesNotSlowOtherUsers() throws Exception {
        TestClient attacker = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS);
        String token = attacker.register("mallory");
        URI ws = URI.create(relay.uri().toString().replace("http", "ws") + "/api/v1/ws");
        HttpClient http = http();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong framesSent = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<WebSocket> sockets = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            sockets.add(http.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                    .header("X-Forwarded-For", ATTACKER_ADDRESS).buildAsync(ws, new WebSocket.Listener() {
                    }).get(10, TimeUnit.SECONDS));
        }
        for (int s = 0; s < 4; s++) {
            WebSocket w = sockets.get(s);
            int seed = s;
            Thread t = new Thread(() -> {
                Random r = new Random(seed);
                while (!stop.get()) {
                    StringBuilder sb = new StringBuilder("{\"type\":\"ack\",\"refs\":[");
                    for (int i = 0; i < 1000; i++) {
                        sb.append(i == 0 ? "" : ",").append(1 + r.nextInt(1_000_000_000));
                    }
                    try {
                        w.sendText(sb.append("]}").toString(), true).get(30, TimeUnit.SECONDS);
                        framesSent.incrementAndGet();
                    } catch (Exception e) {
                        return;
                    }
                }
            }, "ack-flood-" + s);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Thread.sleep(1500);
        long before = framesSent.get();
        assertVictimServedDuring("WebSocket ack flood", () -> assertTrue(threads.stream().allMatch(Thread::isAlive),
                "the flood went on during the measurement"));
        long seconds = 3;
        long mark = relay.server.service().ackFrames();
        Thread.sleep(seconds * 1000);
        double rate = (relay.server.service().ackFrames() - mark) / (double) seconds;
        stop.set(true);
        sockets.forEach(WebSocket::abort);
        attacker.close();
        Logger.info("ack flood: {} frames handed to the client's sockets; the relay took {} ack frames/s at the end"
                + " (a 1,000-ref ack costs 21 of the account's 100 tokens/s)", framesSent.get(), rate);
        assertTrue(before > 0, "the attacker did send");
        assertTrue(rate <= 15, "the relay takes the flooding account's acks at its rate limit, not at wire speed: " + rate);
    }

    @Test
    void fillingAnInbox_stopsAtTheByteQuota_andTheOwnerCanStillReadIt() throws Exception {
        TestClient attacker = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS);
        String mallory = attacker.register("mallory");
        TestClient carolClient = new TestClient(relay.server.address(), null, "192.0.2.20");
        String carol = carolClient.register("carol");
        String big = "{\"to\":[\"carol\"],\"contents\":\"" + "A".repeat(300_000) + "\"}";
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger stored = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        Thread t = new Thread(() -> {
            try (TestClient c = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS)) {
                while (!stop.get()) {
                    int s = c.call("POST", "/api/v1/send", big, mallory).status();
                    if (s == 200) {
                        stored.incrementAndGet();
                    } else if (s == 429) {
                        refused.incrementAndGet();
                    }
                }
            } catch (Exception e) {
                Logger.debug(e, "attacker stopped");
            }
        });
        t.setDaemon(true);
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (refused.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertVictimServedDuring("inbox fill", () -> assertTrue(t.isAlive()));
        stop.set(true);
        t.join(10_000);
        assertEquals(6, stored.get(), "2 MiB quota: six 300,000-byte packages, then 429");
        assertTrue(refused.get() > 0);
        assertTrue(relay.store.queuedBytes("carol") <= 2L << 20);
        // carol reads everything, a page at a time, each page bounded
        long from = 0;
        int read = 0;
        while (true) {
            TestClient.Reply page = carolClient.call("GET", "/api/v1/messages?from=" + from, null, carol);
            assertEquals(200, page.status());
            assertTrue(page.body().length() < RelayLimits.defaults().fetchBytes() + 400_000, "a page is bounded");
            JsonNode n = page.json();
            if (n.get("messages").isEmpty()) {
                break;
            }
            read += n.get("messages").size();
            from = n.get("nextRef").asLong();
        }
        assertEquals(6, read);
        attacker.close();
        carolClient.close();
    }

    @Test
    void slowBodies_getATimeout_andDoNotHoldTheRelay() throws Exception {
        int n = 40;
        List<Socket> slow = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger timedOut = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            Socket s = new Socket("127.0.0.1", relay.server.port());
            s.setSoTimeout(20_000);
            slow.add(s);
            Thread t = new Thread(() -> {
                try (s) {
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    out.write(("POST /api/v1/send HTTP/1.1\r\nHost: r\r\nX-Forwarded-For: " + ATTACKER_ADDRESS
                            + "\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"to\":").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    Thread writer = new Thread(() -> {
                        try {
                            while (!stop.get()) {
                                out.write('[');
                                out.flush();
                                Thread.sleep(300);
                            }
                        } catch (Exception e) {
                            // closed by the relay
                        }
                    });
                    writer.setDaemon(true);
                    writer.start();
                    byte[] answer = in.readNBytes(12);
                    if (new String(answer, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 408")) {
                        timedOut.incrementAndGet();
                    }
                } catch (Exception e) {
                    // a reset also ends it
                } finally {
                    ended.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        long t0 = System.nanoTime();
        assertVictimServedDuring("slow bodies", () -> {
        });
        assertTrue(ended.await(15, TimeUnit.SECONDS), "every slow request was ended by the relay");
        Logger.info("slow bodies: all {} ended {} ms after the victim started measuring (deadline 2 s, idle timeout 10 s)",
                n, (System.nanoTime() - t0) / 1_000_000);
        stop.set(true);
        assertEquals(n, timedOut.get(), "each got 408");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (relay.server.openConnections() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, relay.server.openConnections(), "only the victim's connection is left");
    }

    @Test
    void connectionFlood_fromOneAddress_isCappedPerAddress_andOthersConnect() throws Exception {
        try (RelayFixture capped = RelayFixture.sqlite(java.nio.file.Files.createDirectories(dir.resolve("capped")),
                RelayFixture.testConfig().limits(attackLimits().build()))) {
            InetAddress other = InetAddress.getByName("127.0.0.2");
            try (TestClient.Victim v = new TestClient.Victim(capped.server.address(), other, null, "w")) {
                v.roundTrips(10);
                List<Double> before = v.roundTrips(20);
                List<Socket> flood = new ArrayList<>();
                AtomicInteger closedByRelay = new AtomicInteger();
                for (int i = 0; i < 200; i++) {
                    Socket s = new Socket();
                    s.connect(new InetSocketAddress("127.0.0.1", capped.server.port()), 5000);
                    flood.add(s);
                }
                Thread.sleep(500);
                for (Socket s : flood) {
                    s.setSoTimeout(50);
                    try {
                        if (s.getInputStream().read() == -1) {
                            closedByRelay.incrementAndGet();
                        }
                    } catch (java.net.SocketTimeoutException e) {
                        // still open
                    } catch (java.io.IOException e) {
                        closedByRelay.incrementAndGet();
                    }
                }
                List<Double> during = v.roundTrips(30);
                double p99 = TestClient.Victim.p99(during);
                Logger.info("connection flood: victim p99 before {} ms, during {} ms; {} of 200 closed by the relay",
                        TestClient.Victim.p99(before), p99, closedByRelay.get());
                assertEquals(150, closedByRelay.get(), "50 per address stay open, the rest are closed at once");
                assertTrue(p99 < P99_BOUND_MS, "another address is served: p99 " + p99);
                for (Socket s : flood) {
                    s.close();
                }
            }
        }
    }

    @Test
    void bigBodiesInParallel_areRefusedOverTheAddressShare_andOthersAreServed() throws Exception {
        TestClient setup = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS);
        String mallory = setup.register("mallory");
        setup.register("sink");
        setup.close();
        String body = "{\"to\":[\"sink\"],\"contents\":\"" + "A".repeat(340_000) + "\"}";
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Thread t = new Thread(() -> {
                try (TestClient c = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS)) {
                    while (!stop.get()) {
                        int s = c.call("POST", "/api/v1/send", body, mallory, java.util.Map.of()).status();
                        if (s == 503) {
                            busy.incrementAndGet();
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                } catch (Exception e) {
                    Logger.debug(e, "attacker thread ended");
                }
            });
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Thread.sleep(1000);
        assertVictimServedDuring("big bodies in parallel", () -> {
        });
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        Logger.info("big bodies: {} answered, {} refused 503 (memory budget share of one address)", ok.get(), busy.get());
        assertTrue(busy.get() > 0, "the address's share of the memory budget was used up");
    }

    @Test
    void registrationFlood_fromOneClient_doesNotLockOthersOut() throws Exception {
        TestClient attacker = new TestClient(relay.server.address(), null, ATTACKER_ADDRESS);
        int created = 0;
        int limited = 0;
        for (int i = 0; i < 80; i++) {
            int s = attacker.call("POST", "/api/v1/register", "{\"uid\":\"junk" + i + "\"}", null).status();
            if (s == 201) {
                created++;
            } else if (s == 429) {
                limited++;
            }
        }
        assertTrue(created >= 50 && created < 80, "the burst of 50, and what refilled meanwhile: " + created);
        assertTrue(limited > 0);
        TestClient someoneElse = new TestClient(relay.server.address(), null, "198.51.100.23");
        assertEquals(201, someoneElse.call("POST", "/api/v1/register", "{\"uid\":\"newcomer\"}", null).status(),
                "the limit is per client address behind the proxy, not per proxy");
        attacker.close();
        someoneElse.close();
        assertVictimServedDuring("after a registration flood", () -> {
        });
    }
}
