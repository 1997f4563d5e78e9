package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.ApplianceRuntime;
import org.otpi.appliance.approval.DenyApprover;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.PairingCleared;
import org.otpi.protocol.kiosk.KioskMessage.PairingCode;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;

/**
 * Pairing on a device with a kiosk: the code reaches the person only through the kiosk socket.
 * The whole appliance runs (real {@link KioskServer}, real RPC over HTTP on loopback); the kiosk
 * is a bare socket client.
 */
class KioskPairingTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void laptopPairsWithTheCodeFromTheKiosk_lateKioskGetsIt_clearedAfter_neverLogged(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("run/kiosk.sock");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Path securityLog = Path.of("target/security-test.log");
        long logBefore = Files.exists(securityLog) ? Files.size(securityLog) : 0;
        try (ApplianceRuntime rt = ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve("medium"),
                dir.resolve("state"), InetAddress.getLoopbackAddress(), 0, new DenyApprover(), Duration.ofSeconds(5),
                List.of(), null, socket, System.getProperty("user.name"), null, ApplianceRuntime.Gpio.OFF, null,
                List.of(dir.resolve("no-hrng")), false, new PrintStream(console, true, StandardCharsets.UTF_8), List.of()));
             RawKiosk early = new RawKiosk(socket)) {
            URI base = URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort());
            HttpResponse<String> start = post(base, RpcPaths.PAIR_START, new PairStartRequest("laptop-a"), null);
            assertEquals(200, start.statusCode(), start.body());
            PairStartResponse started = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);

            PairingCode shown = early.await(PairingCode.class);
            assertEquals("laptop-a", shown.client());
            assertTrue(shown.code().matches("[0-9]{8}"), "8 digits");
            long ttl = shown.expiresEpochMillis() - System.currentTimeMillis();
            assertTrue(ttl > 60_000 && ttl <= 120_000, "expires in about 2 minutes: " + ttl);
            assertFalse(start.body().contains(shown.code()), "the code never travels back over the RPC");

            try (RawKiosk late = new RawKiosk(socket)) {
                assertEquals(shown, late.await(PairingCode.class), "a kiosk connecting later sees the code too");

                // someone without the pairing id: even the right code fails, and the pairing goes on
                HttpResponse<String> wrong = post(base, RpcPaths.PAIR_FINISH,
                        new PairFinishRequest("0".repeat(32), shown.code()), null);
                assertNotEquals(200, wrong.statusCode());
                HttpResponse<String> finish = post(base, RpcPaths.PAIR_FINISH,
                        new PairFinishRequest(started.pairingId(), shown.code()), null);
                assertEquals(200, finish.statusCode(), finish.body());
                String token = RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
                HttpResponse<String> whoami = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.WHOAMI))
                        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, whoami.statusCode(), "the token from the kiosk's code works");
                assertTrue(whoami.body().contains("laptop-a"), whoami.body());

                assertEquals("laptop-a", early.await(PairingCleared.class).client());
                assertEquals("laptop-a", late.await(PairingCleared.class).client());
            }
            try (RawKiosk afterwards = new RawKiosk(socket)) {
                KioskMessage m;
                while ((m = afterwards.received.poll(700, TimeUnit.MILLISECONDS)) != null) {
                    assertFalse(m instanceof PairingCode, "a used code is not replayed");
                }
            }
            String out = console.toString(StandardCharsets.UTF_8);
            assertTrue(out.contains("pairing request from client 'laptop-a'"), out);
            assertFalse(out.contains(shown.code()), "with a kiosk the console (the journal) never gets the code");
            String logged = Files.exists(securityLog)
                    ? new String(Files.readAllBytes(securityLog), StandardCharsets.UTF_8).substring((int) logBefore) : "";
            assertTrue(logged.contains("client " + org.otpi.appliance.securitylog.Redact.client("laptop-a") + " paired"),
                    "the security log saw the pairing, under the client's pseudonym");
            assertFalse(logged.contains("laptop-a"), "the client's name is not in the security log file");
            assertFalse(logged.contains(shown.code()), "the code is not in the security log");
        }
    }

    @Test
    void unpairedOnTheKiosk_refusedAtOnce_andAfterARestart(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("run/kiosk.sock");
        String token;
        try (ApplianceRuntime rt = runtime(dir, socket); RawKiosk kiosk = new RawKiosk(socket)) {
            URI base = URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort());
            token = pairThroughTheKiosk(base, kiosk, "laptop-r");
            String other = pairThroughTheKiosk(base, kiosk, "laptop-s");
            assertEquals(200, whoami(base, token));

            kiosk.send(new KioskMessage.RevokeClient(41, "laptop-r"));
            KioskMessage.Done done = kiosk.await(KioskMessage.Done.class, d -> d.id() == 41);
            assertTrue(done.ok(), done.error());
            assertEquals(401, whoami(base, token), "refused on the next request");
            assertEquals(200, whoami(base, other));
            kiosk.send(new KioskMessage.GetStatus(42));
            assertEquals(List.of("laptop-s"), kiosk.await(KioskMessage.StatusReply.class, r -> r.id() == 42)
                    .status().pairedClients());
            kiosk.send(new KioskMessage.RevokeClient(43, "laptop-r"));
            assertFalse(kiosk.await(KioskMessage.Done.class, d -> d.id() == 43).ok(), "already gone");
        }
        try (ApplianceRuntime rt = runtime(dir, socket)) {
            URI base = URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort());
            assertEquals(401, whoami(base, token), "still refused after a restart");
        }
    }

    private static ApplianceRuntime runtime(Path dir, Path socket) throws Exception {
        return ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve("medium"),
                dir.resolve("state"), InetAddress.getLoopbackAddress(), 0, new DenyApprover(), Duration.ofSeconds(5),
                List.of(), null, socket, System.getProperty("user.name"), null, ApplianceRuntime.Gpio.OFF, null,
                List.of(dir.resolve("no-hrng")), false, new PrintStream(new ByteArrayOutputStream()), List.of()));
    }

    private String pairThroughTheKiosk(URI base, RawKiosk kiosk, String name) throws Exception {
        HttpResponse<String> start = post(base, RpcPaths.PAIR_START, new PairStartRequest(name), null);
        assertEquals(200, start.statusCode(), start.body());
        PairStartResponse started = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);
        PairingCode shown = kiosk.await(PairingCode.class, c -> c.client().equals(name));
        HttpResponse<String> finish = post(base, RpcPaths.PAIR_FINISH, new PairFinishRequest(started.pairingId(), shown.code()), null);
        assertEquals(200, finish.statusCode(), finish.body());
        return RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
    }

    private int whoami(URI base, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.WHOAMI)).header("Authorization", "Bearer " + token)
                .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void anExpiredCode_isNotReplayed_andAReplacedOneIsCleared(@TempDir Path dir) throws Exception {
        MovableClock clock = new MovableClock();
        KioskApprover approver = new KioskApprover(Duration.ofSeconds(5), clock);
        InMemoryKioskBackend backend = InMemoryKioskBackend.demo(clock, new StandingApprovals(clock));
        Path socket = dir.resolve("kiosk.sock");
        try (KioskServer server = KioskServer.start(socket, System.getProperty("user.name"), backend, approver);
             RawKiosk k = new RawKiosk(socket)) {
            KioskPairingDisplay display = KioskPairingDisplay.on(server, clock);
            waitForSessions(server, 1);
            display.show("laptop-a", "11112222", Duration.ofMinutes(2));
            assertEquals("11112222", k.await(PairingCode.class).code());
            // a second start replaces the first: PairingManager clears, then shows
            display.clear("laptop-a");
            display.show("laptop-b", "33334444", Duration.ofMinutes(2));
            assertEquals("laptop-a", k.await(PairingCleared.class).client());
            PairingCode second = k.await(PairingCode.class);
            assertEquals("laptop-b", second.client());
            assertEquals(clock.instant().plus(Duration.ofMinutes(2)).toEpochMilli(), second.expiresEpochMillis());
            try (RawKiosk late = new RawKiosk(socket)) {
                assertEquals("33334444", late.await(PairingCode.class).code(), "still valid: replayed");
            }
            clock.advance(Duration.ofMinutes(2).plusSeconds(1));
            try (RawKiosk late = new RawKiosk(socket)) {
                waitForSessions(server, 2);
                KioskMessage m;
                while ((m = late.received.poll(500, TimeUnit.MILLISECONDS)) != null) {
                    assertFalse(m instanceof PairingCode, "an expired code is not replayed");
                }
            }
            assertFalse(display.showing());
        } finally {
            approver.close();
        }
    }

    private static void waitForSessions(KioskServer server, int n) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.sessionCount() != n && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertEquals(n, server.sessionCount());
    }

    private HttpResponse<String> post(URI base, String path, Object body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RpcJson.mapper().writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final class MovableClock extends Clock {
        volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
