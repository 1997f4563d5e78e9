package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.Decision;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.OpenResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;
import org.otpi.protocol.rpc.SealResponse;
import org.otpi.protocol.rpc.StreamFrames;

/**
 * The device RPC against hostile clients, on a real loopback socket: after every attack the
 * daemon still answers health, and the fake device's seal count proves no pad was used without
 * an approval.
 */
class RpcMaliciousClientTest {
    private final List<RpcFixture> fixtures = new ArrayList<>();

    private RpcFixture alice(CountingApprover approver) throws Exception {
        return fixture(new FakeDeviceService("alice", 100_000, "bob"), approver, c -> c);
    }

    private RpcFixture fixture(FakeDeviceService device, CountingApprover approver,
                               java.util.function.UnaryOperator<RpcConfig> tune) throws Exception {
        RpcFixture f = new RpcFixture(device, approver, tune);
        fixtures.add(f);
        return f;
    }

    @AfterEach
    void close() throws IOException {
        for (RpcFixture f : fixtures) {
            f.close();
        }
    }

    private static String sealJson(String contact, String text) throws IOException {
        return RpcJson.mapper().writeValueAsString(new SealRequest(contact,
                Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8)), null));
    }

    private static String openJson(String contact, String packageB64) throws IOException {
        return RpcJson.mapper().writeValueAsString(new OpenRequest(contact, packageB64));
    }

    private static void assertHealthy(RpcFixture f) throws Exception {
        HttpResponse<String> r = f.get(RpcPaths.HEALTH, null);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("\"status\":\"ok\""), r.body());
    }

    private static String code(HttpResponse<String> r) throws IOException {
        return RpcJson.mapper().readTree(r.body()).get("code").asText();
    }

    @Test
    void boundOnlyToTheConfiguredAddress() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        assertEquals("127.0.0.1", f.server.address().getAddress().getHostAddress());
        // 127.0.0.2 is the same loopback interface on Linux: reachable only if bound to a wildcard.
        try (Socket s = new Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.2", f.port()), 2000);
            throw new AssertionError("the RPC answered on an address it was not configured for");
        } catch (java.net.ConnectException expected) {
            // refused: good
        }
    }

    @Test
    void health_answersWithoutToken() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        assertHealthy(f);
    }

    @Test
    void withoutPairing_everyOperationIsUnauthorized_andNoPadIsUsed() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.APPROVE);
        RpcFixture f = alice(approver);
        assertEquals(401, f.get(RpcPaths.WHOAMI, null).statusCode());
        assertEquals(401, f.get(RpcPaths.CONTACTS, null).statusCode());
        HttpResponse<String> seal = f.post(RpcPaths.SEAL, sealJson("bob", "hi"), null);
        assertEquals(401, seal.statusCode());
        assertEquals("unauthorized", code(seal));
        assertEquals("failed", RpcJson.mapper().readTree(seal.body()).get("error").asText());
        assertEquals(401, f.post(RpcPaths.OPEN, openJson("bob", "AAAA"), null).statusCode());
        HttpResponse<String> file = f.http.send(HttpRequest.newBuilder(f.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", new byte[100])))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, file.statusCode());
        assertEquals(0, f.device.sealCalls.get());
        assertEquals(0, f.device.openCalls.get());
        assertTrue(approver.requests.isEmpty(), "nobody is asked on behalf of an unpaired client");
        assertHealthy(f);
    }

    @Test
    void wrongOrMalformedToken_isUnauthorized() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        String real = f.pair("laptop");
        char[] wrong = real.toCharArray();
        wrong[5] = wrong[5] == 'A' ? 'B' : 'A';
        for (String token : List.of(new String(wrong), "x", real + "A", real.substring(1), "", "../../etc/passwd")) {
            assertEquals(401, f.post(RpcPaths.SEAL, sealJson("bob", "hi"), token).statusCode(), token);
        }
        HttpResponse<String> basic = f.http.send(HttpRequest.newBuilder(f.base.resolve(RpcPaths.WHOAMI))
                .header("Authorization", "Basic " + real).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, basic.statusCode());
        assertEquals(0, f.device.sealCalls.get());
        HttpResponse<String> ok = f.get(RpcPaths.WHOAMI, real);
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("\"client\":\"laptop\""), ok.body());
    }

    @Test
    void pairing_tokenIsStoredOnlyAsHash() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        String token = f.pair("laptop");
        assertEquals(43, token.length());
        String stored = Files.readString(f.stateDir.resolve("clients"));
        assertTrue(stored.contains("laptop\t"));
        assertFalse(stored.contains(token));
        byte[] raw = Base64.getUrlDecoder().decode(token);
        assertFalse(stored.contains(java.util.HexFormat.of().formatHex(raw)));
        // and the registry survives a restart of the daemon
        assertEquals("laptop", ClientRegistry.open(f.stateDir).authenticate(token).orElseThrow());
    }

    @Test
    void pairing_wrongCodesEndThePairing() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        HttpResponse<String> start = f.post(RpcPaths.PAIR_START, "{\"clientName\":\"evil\"}", null);
        assertEquals(200, start.statusCode());
        String id = RpcJson.mapper().readTree(start.body()).get("pairingId").asText();
        String code = f.codes.poll(5, TimeUnit.SECONDS);
        String wrong = code.equals("00000000") ? "00000001" : "00000000";
        for (int i = 0; i < PairingManager.ATTEMPTS; i++) {
            HttpResponse<String> r = f.post(RpcPaths.PAIR_FINISH, "{\"pairingId\":\"" + id + "\",\"code\":\"" + wrong + "\"}", null);
            assertEquals(403, r.statusCode());
            assertFalse(r.body().contains(code), "the code never travels back");
            // the client may let the person try again while this pairing still takes a code
            assertEquals(i < PairingManager.ATTEMPTS - 1 ? "wrong_code" : "failed", code(r));
        }
        HttpResponse<String> late = f.post(RpcPaths.PAIR_FINISH, "{\"pairingId\":\"" + id + "\",\"code\":\"" + code + "\"}", null);
        assertEquals(403, late.statusCode(), "the right code is useless after too many wrong ones");
        assertFalse(start.body().contains(code));
    }

    @Test
    void oversizedBodies_areRefused_andTheDaemonStaysUp() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        String token = f.pair("laptop");
        String huge = "{\"contact\":\"bob\",\"message\":\"" + "A".repeat(RpcPaths.MAX_JSON_BODY * 2) + "\"}";
        HttpResponse<String> r = f.post(RpcPaths.SEAL, huge, token);
        assertEquals(413, r.statusCode());
        // within the JSON limit but above the message limit
        String big = sealJson("bob", "x".repeat(RpcPaths.MAX_MESSAGE + 1));
        assertTrue(big.length() < RpcPaths.MAX_JSON_BODY);
        assertEquals(400, f.post(RpcPaths.SEAL, big, token).statusCode());
        // a 10 MB header block
        try (Socket s = new Socket("127.0.0.1", f.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertNotEquals("HTTP/1.1 200", answer);
        } catch (IOException expected) {
            // reset by the server is fine too
        }
        assertEquals(0, f.device.sealCalls.get());
        assertHealthy(f);
    }

    @Test
    void malformedAndUnknownJson_isRejectedGenerically() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.APPROVE);
        RpcFixture f = alice(approver);
        String token = f.pair("laptop");
        List<String> bad = List.of(
                "", "null", "[]", "{", "{\"contact\":\"bob\"", "not json",
                "{\"contact\":\"bob\",\"message\":\"aGk=\",\"extra\":1}",          // unknown field
                "{\"contact\":\"bob\",\"message\":\"aGk=\",\"padIndex\":0}",       // unknown field
                "{\"contact\":\"bob\",\"message\":\"aGk=\"} {}",                   // trailing tokens
                "{\"contact\":\"bob\",\"contact\":\"eve\",\"message\":\"aGk=\"}",  // duplicate key
                "{\"contact\":7,\"message\":\"aGk=\"}",                            // wrong type
                "{\"contact\":[\"bob\"],\"message\":\"aGk=\"}",
                "{\"contact\":\"bob\",\"message\":\"###\"}",                       // bad base64
                "{\"contact\":\"bob\",\"message\":\"aGk=\",\"format\":\"ROT13\"}",
                "{\"contact\":\"../../bob\",\"message\":\"aGk=\"}",
                "{\"contact\":\"bob\"}",
                "{\"contact\":\"bob\",\"message\":\"aGk=\"," + "\"a\":{".repeat(50) + "}".repeat(50) + "}");
        for (String body : bad) {
            HttpResponse<String> r = f.post(RpcPaths.SEAL, body, token);
            assertEquals(400, r.statusCode(), body);
            assertEquals("{\"error\":\"failed\",\"code\":\"bad_request\",\"warnings\":[]}", r.body(), "nothing but the code");
        }
        HttpResponse<String> noType = f.http.send(HttpRequest.newBuilder(f.base.resolve(RpcPaths.SEAL))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(sealJson("bob", "hi"))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, noType.statusCode(), "JSON only with application/json");
        assertEquals(0, f.device.sealCalls.get());
        assertTrue(approver.requests.isEmpty());
        assertEquals(404, f.get("/api/v1/../etc/passwd", token).statusCode());
        assertEquals(404, f.get("/api/v2/health", token).statusCode());
        assertEquals(400, f.get(RpcPaths.SEAL, token).statusCode(), "wrong method");
        assertHealthy(f);
    }

    @Test
    void denyApprover_neverTouchesPad() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.DENY);
        RpcFixture f = alice(approver);
        String token = f.pair("laptop");
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = f.post(RpcPaths.SEAL, sealJson("bob", "burn " + i), token);
            assertEquals(403, r.statusCode());
            assertEquals("denied", code(r));
        }
        assertEquals(403, f.post(RpcPaths.OPEN, openJson("bob", "RgVib2I="), token).statusCode());
        HttpResponse<String> file = f.http.send(HttpRequest.newBuilder(f.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", new byte[50_000])))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[50_000])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, file.statusCode());
        assertEquals(22, approver.requests.size());
        assertEquals(0, f.device.sealCalls.get(), "no seal without approval");
        assertEquals(0, f.device.openCalls.get(), "no open without approval");
        assertEquals(100_000, f.device.contacts().get(0).sendRemaining());
        assertHealthy(f);
    }

    @Test
    void approvalTimeout_isADenial() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.HOLD);
        RpcFixture f = fixture(new FakeDeviceService("alice", 100_000, "bob"), approver,
                c -> c.withApprovalTimeout(Duration.ofMillis(500)));
        String token = f.pair("laptop");
        HttpResponse<String> r = f.post(RpcPaths.SEAL, sealJson("bob", "hi"), token);
        assertEquals(403, r.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"approval_timeout\",\"warnings\":[]}", r.body());
        assertEquals(1, approver.cancelled.size(), "the approver is told to take the question down");
        approver.held.take().complete(Decision.APPROVE); // a late yes changes nothing
        Thread.sleep(200);
        assertEquals(0, f.device.sealCalls.get());
    }

    @Test
    void approvalOutcomes_tellDeniedFromNoAnswerFromNobodyToAsk_andNoneUsesPad() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.DENY);
        RpcFixture f = alice(approver);
        String token = f.pair("laptop");
        HttpResponse<String> denied = f.post(RpcPaths.SEAL, sealJson("bob", "a"), token);
        assertEquals(403, denied.statusCode());
        assertEquals("denied", code(denied));
        approver.mode(CountingApprover.Mode.TIME_OUT);
        HttpResponse<String> timedOut = f.post(RpcPaths.SEAL, sealJson("bob", "b"), token);
        assertEquals(403, timedOut.statusCode());
        assertEquals("approval_timeout", code(timedOut));
        approver.mode(CountingApprover.Mode.UNAVAILABLE);
        HttpResponse<String> nobody = f.post(RpcPaths.OPEN, openJson("bob", "RgVib2I="), token);
        assertEquals(403, nobody.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"no_approver\",\"warnings\":[]}", nobody.body());
        HttpResponse<String> file = f.http.send(HttpRequest.newBuilder(f.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", new byte[1000])))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, file.statusCode());
        assertTrue(file.body().contains("no_approver"), file.body());
        assertEquals(0, f.device.sealCalls.get());
        assertEquals(0, f.device.openCalls.get());
    }

    @Test
    void confirm_ofAnIndexNeverOpened_isUnknownMessage_andNeedsAToken() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        String token = f.pair("laptop");
        HttpResponse<String> r = f.post(RpcPaths.OPEN_CONFIRM, "{\"contact\":\"bob\",\"index\":16}", token);
        assertEquals(404, r.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"unknown_message\",\"warnings\":[]}", r.body());
        assertEquals("unknown_contact", code(f.post(RpcPaths.OPEN_CONFIRM, "{\"contact\":\"mallory\",\"index\":16}", token)));
        assertEquals(400, f.post(RpcPaths.OPEN_CONFIRM, "{\"contact\":\"bob\",\"index\":-1}", token).statusCode());
        assertEquals(401, f.post(RpcPaths.OPEN_CONFIRM, "{\"contact\":\"bob\",\"index\":16}", null).statusCode());
    }

    @Test
    void pairing_acceptsTheCodeAsTheDeviceShowsIt() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        HttpResponse<String> start = f.post(RpcPaths.PAIR_START, "{\"clientName\":\"laptop\"}", null);
        String id = RpcJson.mapper().readTree(start.body()).get("pairingId").asText();
        String code = f.codes.poll(5, TimeUnit.SECONDS);
        String grouped = code.substring(0, 4) + " " + code.substring(4);
        HttpResponse<String> r = f.post(RpcPaths.PAIR_FINISH, "{\"pairingId\":\"" + id + "\",\"code\":\"" + grouped + "\"}", null);
        assertEquals(200, r.statusCode(), r.body());
    }

    @Test
    void onePendingApprovalPerClient() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.HOLD);
        RpcFixture f = alice(approver);
        String token = f.pair("laptop");
        String other = f.pair("phone");
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return f.post(RpcPaths.SEAL, sealJson("bob", "one"), token);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        CompletableFuture<Decision> pending = approver.held.poll(5, TimeUnit.SECONDS);
        HttpResponse<String> second = f.post(RpcPaths.SEAL, sealJson("bob", "two"), token);
        assertEquals(429, second.statusCode());
        assertEquals("busy", code(second));
        HttpResponse<String> secondOpen = f.post(RpcPaths.OPEN, openJson("bob", "AAAA"), token);
        assertEquals(429, secondOpen.statusCode());
        assertEquals(1, approver.requests.size(), "the person is asked once");
        // another paired client has its own slot
        CompletableFuture<HttpResponse<String>> third = CompletableFuture.supplyAsync(() -> {
            try {
                return f.post(RpcPaths.SEAL, sealJson("bob", "three"), other);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        CompletableFuture<Decision> pendingOther = approver.held.poll(5, TimeUnit.SECONDS);
        pendingOther.complete(Decision.DENY);
        assertEquals(403, third.get(10, TimeUnit.SECONDS).statusCode());
        pending.complete(Decision.APPROVE);
        assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(1, f.device.sealCalls.get());
        approver.mode(CountingApprover.Mode.APPROVE);
        assertEquals(200, f.post(RpcPaths.SEAL, sealJson("bob", "after"), token).statusCode(), "slot released");
    }

    @Test
    void sealedPackage_opensOnlyAtThePeer_andReplaysAndSkipsAreFlagged() throws Exception {
        CountingApprover approve = new CountingApprover(CountingApprover.Mode.APPROVE);
        RpcFixture alice = alice(approve);
        RpcFixture bob = fixture(new FakeDeviceService("bob", 100_000, "alice"), approve, c -> c);
        String aToken = alice.pair("alice-laptop");
        String bToken = bob.pair("bob-laptop");
        List<String> packages = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = alice.post(RpcPaths.SEAL, sealJson("bob", "msg " + i), aToken);
            assertEquals(200, r.statusCode(), r.body());
            SealResponse s = RpcJson.mapper().readValue(r.body(), SealResponse.class);
            assertEquals(5 + FakeDeviceService.OVERHEAD, s.padUsed());
            packages.add(s.packageData());
        }
        // The client tries to open what it sealed: rejected as a forgery, nothing revealed.
        HttpResponse<String> own = alice.post(RpcPaths.OPEN, openJson("bob", packages.get(0)), aToken);
        assertEquals(422, own.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"rejected\",\"warnings\":[\"FORGED\"]}", own.body());

        HttpResponse<String> first = bob.post(RpcPaths.OPEN, openJson("alice", packages.get(0)), bToken);
        OpenResponse o = RpcJson.mapper().readValue(first.body(), OpenResponse.class);
        assertEquals("msg 0", new String(Base64.getDecoder().decode(o.message()), StandardCharsets.UTF_8));
        assertEquals(List.of(), o.warnings());
        assertFalse(o.repeat());
        // the answer was lost: the same package again is the kept copy, not an attack
        OpenResponse again = RpcJson.mapper().readValue(
                bob.post(RpcPaths.OPEN, openJson("alice", packages.get(0)), bToken).body(), OpenResponse.class);
        assertTrue(again.repeat());
        assertEquals(o.index(), again.index());
        assertEquals("msg 0", new String(Base64.getDecoder().decode(again.message()), StandardCharsets.UTF_8));
        // the client stored it: the device may forget it
        HttpResponse<String> confirmed = bob.post(RpcPaths.OPEN_CONFIRM,
                "{\"contact\":\"alice\",\"index\":" + o.index() + "}", bToken);
        assertEquals(200, confirmed.statusCode(), confirmed.body());
        assertEquals(0, bob.device.keptCount("alice"));
        assertEquals(200, bob.post(RpcPaths.OPEN_CONFIRM, "{\"contact\":\"alice\",\"index\":" + o.index() + "}",
                bToken).statusCode(), "a confirm whose answer was lost may be repeated");
        // after the confirm, replay of an old package
        HttpResponse<String> replay = bob.post(RpcPaths.OPEN, openJson("alice", packages.get(0)), bToken);
        assertEquals(409, replay.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"replay\",\"warnings\":[\"REPLAY\"]}", replay.body());
        // skip: package 2 before package 1
        OpenResponse skipped = RpcJson.mapper().readValue(
                bob.post(RpcPaths.OPEN, openJson("alice", packages.get(2)), bToken).body(), OpenResponse.class);
        assertEquals(List.of("SKIP"), skipped.warnings());
        OpenResponse late = RpcJson.mapper().readValue(
                bob.post(RpcPaths.OPEN, openJson("alice", packages.get(1)), bToken).body(), OpenResponse.class);
        assertEquals(List.of("LATE"), late.warnings());
        // a corrupted package
        byte[] raw = Base64.getDecoder().decode(packages.get(1));
        raw[raw.length - 20] ^= 1;
        HttpResponse<String> forged = bob.post(RpcPaths.OPEN, openJson("alice", Base64.getEncoder().encodeToString(raw)), bToken);
        assertEquals(422, forged.statusCode());
        assertTrue(forged.body().contains("FORGED"));
        assertHealthy(alice);
        assertHealthy(bob);
    }

    @Test
    void deviceErrors_areGeneric() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        String token = f.pair("laptop");
        HttpResponse<String> unknown = f.post(RpcPaths.SEAL, sealJson("mallory", "hi"), token);
        assertEquals(404, unknown.statusCode());
        assertEquals("{\"error\":\"failed\",\"code\":\"unknown_contact\",\"warnings\":[]}", unknown.body());
        HttpResponse<String> exhausted = f.post(RpcPaths.SEAL, RpcJson.mapper().writeValueAsString(new SealRequest("bob",
                Base64.getEncoder().encodeToString(new byte[RpcPaths.MAX_MESSAGE]), null)), token);
        assertEquals(200, exhausted.statusCode());
        for (int i = 0; i < 2; i++) {
            f.post(RpcPaths.SEAL, RpcJson.mapper().writeValueAsString(new SealRequest("bob",
                    Base64.getEncoder().encodeToString(new byte[RpcPaths.MAX_MESSAGE]), null)), token);
        }
        HttpResponse<String> none = f.post(RpcPaths.SEAL, RpcJson.mapper().writeValueAsString(new SealRequest("bob",
                Base64.getEncoder().encodeToString(new byte[RpcPaths.MAX_MESSAGE]), null)), token);
        assertEquals(409, none.statusCode());
        assertEquals("pad_exhausted", code(none));
        f.device.setUnlocked(false);
        HttpResponse<String> locked = f.post(RpcPaths.SEAL, sealJson("bob", "hi"), token);
        assertEquals("locked", code(locked));
        assertTrue(f.get(RpcPaths.HEALTH, null).body().contains("\"unlocked\":false"));
    }

    @Test
    void contacts_showRemainingAndLowPad() throws Exception {
        RpcFixture f = fixture(new FakeDeviceService("alice", 1000, "bob"), new CountingApprover(CountingApprover.Mode.APPROVE), c -> c);
        String token = f.pair("laptop");
        JsonNode c0 = RpcJson.mapper().readTree(f.get(RpcPaths.CONTACTS, token).body()).get("contacts").get(0);
        assertEquals(1000, c0.get("sendRemaining").asLong());
        assertFalse(c0.get("lowPad").asBoolean());
        f.post(RpcPaths.SEAL, sealJson("bob", "x".repeat(900)), token);
        JsonNode c1 = RpcJson.mapper().readTree(f.get(RpcPaths.CONTACTS, token).body()).get("contacts").get(0);
        assertEquals(1000 - 932, c1.get("sendRemaining").asLong());
        assertTrue(c1.get("lowPad").asBoolean());
    }

    @Test
    void slowloris_isCutOff_whileHealthStillAnswers() throws Exception {
        RpcFixture f = fixture(new FakeDeviceService("alice", 1000, "bob"), new CountingApprover(CountingApprover.Mode.APPROVE),
                c -> c.withRequestTimeout(Duration.ofMillis(1500)));
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket s = new Socket("127.0.0.1", f.port());
            s.setSoTimeout(20);
            slow.add(s);
        }
        byte[] request = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        long start = System.nanoTime();
        int closed = 0;
        for (int i = 0; i < request.length && closed < slow.size(); i++) {
            closed = 0;
            for (Socket s : slow) {
                try {
                    s.getOutputStream().write(request[i]);
                    s.getOutputStream().flush();
                    if (s.getInputStream().read() < 0) {
                        closed++;
                    }
                } catch (SocketTimeoutException stillOpen) {
                    // the server has not closed it yet
                } catch (IOException reset) {
                    closed++;
                }
            }
            if (i % 5 == 0) {
                assertHealthy(f);
            }
            Thread.sleep(200);
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(slow.size(), closed, "every dripping client is cut off");
        assertTrue(elapsedMs < 8000, "cut off near the deadline, not at the end of the drip: " + elapsedMs);
        for (Socket s : slow) {
            s.close();
        }
        assertHealthy(f);
    }

    @Test
    void idleConnection_isClosed() throws Exception {
        RpcFixture f = fixture(new FakeDeviceService("alice", 1000, "bob"), new CountingApprover(CountingApprover.Mode.APPROVE),
                c -> c.withRequestTimeout(Duration.ofMillis(500)));
        try (Socket s = new Socket("127.0.0.1", f.port())) {
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read());
        }
        assertHealthy(f);
    }

    @Test
    void garbageOnTheSocket_getsAnErrorOrAClose() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        java.util.Random random = new java.util.Random(42);
        for (int i = 0; i < 30; i++) {
            byte[] junk = new byte[random.nextInt(5000) + 1];
            random.nextBytes(junk);
            try (Socket s = new Socket("127.0.0.1", f.port())) {
                s.setSoTimeout(5000);
                s.getOutputStream().write(junk);
                s.getOutputStream().write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = s.getInputStream().readNBytes(12);
                assertFalse(new String(answer, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 2"));
            } catch (IOException resetIsFine) {
                // connection reset
            }
        }
        assertEquals(0, f.device.sealCalls.get());
        assertHealthy(f);
    }

    @Test
    void thousandConcurrentConnections_areServed() throws Exception {
        RpcFixture f = alice(new CountingApprover(CountingApprover.Mode.APPROVE));
        // Both ends live in this JVM: 2 descriptors per connection. Stay within the process limit.
        var os = (com.sun.management.UnixOperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long room = (os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - 300) / 2;
        int n = (int) Math.min(1000, room);
        assertTrue(n >= 400, "file descriptor limit too low for this test: " + os.getMaxFileDescriptorCount());
        if (n < 1000) {
            System.out.println("fd limit " + os.getMaxFileDescriptorCount() + ": testing " + n + " concurrent connections");
        }
        List<Socket> sockets = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket("127.0.0.1", f.port());
                s.setSoTimeout(20_000);
                sockets.add(s);
            }
            byte[] req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            for (Socket s : sockets) {
                s.getOutputStream().write(req);
            }
            int ok = 0;
            for (Socket s : sockets) {
                String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                if (status.equals("HTTP/1.1 200")) {
                    ok++;
                }
            }
            assertEquals(n, ok);
            assertTrue(f.server.connections() >= n, "all held open at once: " + f.server.connections());
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        assertHealthy(f);
    }

    @Test
    void connectionsBeyondTheCap_areClosed_othersServed() throws Exception {
        RpcFixture f = fixture(new FakeDeviceService("alice", 1000, "bob"), new CountingApprover(CountingApprover.Mode.APPROVE),
                c -> c.withMaxConnections(10));
        List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            held.add(new Socket("127.0.0.1", f.port()));
        }
        Thread.sleep(200);
        try (Socket extra = new Socket("127.0.0.1", f.port())) {
            extra.setSoTimeout(5000);
            assertEquals(-1, extra.getInputStream().read());
        }
        for (Socket s : held) {
            s.close();
        }
        Thread.sleep(200);
        assertHealthy(f);
    }

    @Test
    void fileSealAndOpen_streamRoundTrip() throws Exception {
        CountingApprover approve = new CountingApprover(CountingApprover.Mode.APPROVE);
        RpcFixture alice = alice(approve);
        RpcFixture bob = fixture(new FakeDeviceService("bob", 1_000_000, "alice"), approve, c -> c);
        String aToken = alice.pair("a");
        String bToken = bob.pair("b");
        byte[] file = new byte[300_000];
        new java.util.Random(7).nextBytes(file);
        // alice has 100,000 pad bytes per direction: a 300,000-byte file does not fit
        HttpResponse<InputStream> tooBig = alice.http.send(HttpRequest.newBuilder(alice.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", file) + "&format=V2"))
                .header("Authorization", "Bearer " + aToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(409, tooBig.statusCode());
        tooBig.body().close();

        RpcFixture alice2 = fixture(new FakeDeviceService("alice", 1_000_000, "bob"), approve, c -> c);
        String a2 = alice2.pair("a");
        byte[] sealed = frames(alice2.http.send(HttpRequest.newBuilder(alice2.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", file)))
                .header("Authorization", "Bearer " + a2)
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofInputStream()));
        byte[] opened = frames(bob.http.send(HttpRequest.newBuilder(bob.base.resolve(RpcPaths.FILE_OPEN + "?contact=alice"))
                .header("Authorization", "Bearer " + bToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(sealed)).build(), HttpResponse.BodyHandlers.ofInputStream()));
        assertTrue(java.util.Arrays.equals(file, opened));
        // the same sealed file again is a replay
        HttpResponse<String> replay = bob.http.send(HttpRequest.newBuilder(bob.base.resolve(RpcPaths.FILE_OPEN + "?contact=alice"))
                .header("Authorization", "Bearer " + bToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(sealed)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(409, replay.statusCode());
        assertTrue(replay.body().contains("REPLAY"));
        // unknown parameters, missing length, oversize
        HttpResponse<String> extra = alice2.http.send(HttpRequest.newBuilder(alice2.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", file) + "&index=0"))
                .header("Authorization", "Bearer " + a2)
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, extra.statusCode());
        HttpResponse<String> chunked = alice2.http.send(HttpRequest.newBuilder(alice2.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", file)))
                .header("Authorization", "Bearer " + a2)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(file))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(411, chunked.statusCode(), "a chunked upload must declare its length");
        assertEquals(1, alice2.device.sealCalls.get());
        // chunked with a declared length streams like any other upload
        byte[] sealedChunked = frames(alice2.http.send(HttpRequest.newBuilder(alice2.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", file)))
                .header("Authorization", "Bearer " + a2).header(RpcPaths.LENGTH_HEADER, String.valueOf(file.length))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(file))).build(),
                HttpResponse.BodyHandlers.ofInputStream()));
        assertTrue(java.util.Arrays.equals(file, frames(bob.http.send(HttpRequest.newBuilder(bob.base.resolve(RpcPaths.FILE_OPEN + "?contact=alice"))
                .header("Authorization", "Bearer " + bToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(sealedChunked)).build(), HttpResponse.BodyHandlers.ofInputStream()))));
        // a chunked body that runs past its declared length never ends in a summary
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> frames(alice2.http.send(
                HttpRequest.newBuilder(alice2.base.resolve(RpcPaths.FILE_SEAL + sealQuery("bob", java.util.Arrays.copyOf(file, 1000))))
                        .header("Authorization", "Bearer " + a2).header(RpcPaths.LENGTH_HEADER, "1000")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(file))).build(),
                HttpResponse.BodyHandlers.ofInputStream())));
        // an open whose chunked body runs past its declared length is refused the same way
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> frames(bob.http.send(
                HttpRequest.newBuilder(bob.base.resolve(RpcPaths.FILE_OPEN + "?contact=alice"))
                        .header("Authorization", "Bearer " + bToken).header(RpcPaths.LENGTH_HEADER, "10")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(sealedChunked))).build(),
                HttpResponse.BodyHandlers.ofInputStream())));
        assertHealthy(alice2);
    }

    @Test
    void fileUpload_stalledClientIsCutOff_andSlotIsFreed() throws Exception {
        RpcFixture f = fixture(new FakeDeviceService("alice", 1_000_000, "bob"), new CountingApprover(CountingApprover.Mode.APPROVE),
                c -> c.withRequestTimeout(Duration.ofMillis(800)));
        String token = f.pair("laptop");
        try (Socket s = new Socket("127.0.0.1", f.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("POST " + RpcPaths.FILE_SEAL + sealQuery("bob", new byte[100_000]) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(new byte[1000]);
            s.getOutputStream().flush();
            // the server gives up on us: the stream ends without a summary frame
            byte[] all = s.getInputStream().readAllBytes();
            assertFalse(new String(all, StandardCharsets.ISO_8859_1).contains("\"padUsed\""));
        }
        assertEquals(0, f.device.sealCalls.get(), "a half-sent file never reaches the vault");
        // the client's slot is free again
        assertEquals(200, f.post(RpcPaths.SEAL, sealJson("bob", "hi"), token).statusCode());
    }

    @Test
    void fileUpload_withExpectContinue_bodyIsInvitedOnlyAfterApproval() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.HOLD);
        RpcFixture f = fixture(new FakeDeviceService("alice", 1_000_000, "bob"), approver, c -> c);
        String token = f.pair("laptop");
        try (Socket s = new Socket("127.0.0.1", f.port())) {
            s.setSoTimeout(500);
            s.getOutputStream().write(("POST " + RpcPaths.FILE_SEAL + sealQuery("bob", "hello".getBytes(StandardCharsets.US_ASCII)) + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<Decision> pending = approver.held.poll(5, TimeUnit.SECONDS);
            try {
                int b = s.getInputStream().read();
                throw new AssertionError("the server answered before the approval: " + b);
            } catch (SocketTimeoutException expected) {
                // nothing yet: the person has not decided
            }
            pending.complete(Decision.APPROVE);
            s.setSoTimeout(5000);
            byte[] head = s.getInputStream().readNBytes(25);
            assertEquals("HTTP/1.1 100 Continue\r\n\r\n", new String(head, StandardCharsets.US_ASCII));
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(rest.startsWith("HTTP/1.1 200 OK"), rest);
            assertTrue(rest.contains("\"padUsed\":37"), rest);
        }
        assertEquals(1, f.device.sealCalls.get());
    }

    @Test
    void securityLog_recordsAttacks_butNeverTokensOrCodes() throws Exception {
        CountingApprover approver = new CountingApprover(CountingApprover.Mode.APPROVE);
        RpcFixture f = alice(approver);
        java.nio.file.Path log = java.nio.file.Path.of("target/security-test.log");
        long before = Files.exists(log) ? Files.size(log) : 0;
        String token = f.pair("logcheck");
        String marker = "mallory" + System.nanoTime() % 100000;
        f.post(RpcPaths.OPEN, openJson(marker, "AAAA"), token);                       // unknown contact
        byte[] forged = new FakeDeviceService("bob", 1000, "alice").seal("alice", "hi".getBytes(StandardCharsets.UTF_8), Format.V2).packageBytes();
        forged[forged.length - 1] ^= 1;
        f.post(RpcPaths.OPEN, openJson("bob", Base64.getEncoder().encodeToString(forged)), token); // forged
        f.post(RpcPaths.SEAL, sealJson("bob", "x"), "Z".repeat(43));                 // wrong token
        String text = Files.readString(log).substring((int) before);
        String markerRef = org.otpi.appliance.securitylog.Redact.contact(marker);
        String client = org.otpi.appliance.securitylog.Redact.client("logcheck");
        assertTrue(text.contains("client " + client + " open " + markerRef + " failed: UNKNOWN_CONTACT"), text);
        assertTrue(text.contains("client " + client + " open " + org.otpi.appliance.securitylog.Redact.contact("bob")
                + " failed: FORGED"), text);
        assertFalse(text.contains(marker), "contact names (vault metadata) never reach the log file");
        assertTrue(text.contains("unauthenticated POST /api/v1/seal"), text);
        assertTrue(text.contains("client " + client + " paired"), text);
        assertFalse(text.contains("logcheck"), "nor client names");
        assertFalse(text.contains(token), "tokens never reach the log");
    }

    /** Reads a framed stream body; fails on error frames or a missing summary. */
    /** The query of a file seal: the contact and the file's SHA-256 (which the device checks). */
    static String sealQuery(String contact, byte[] file) {
        return "?contact=" + contact + "&sha256=" + java.util.HexFormat.of().formatHex(
                org.otpi.protocol.rpc.FileFingerprint.digest().digest(file));
    }

    static byte[] frames(HttpResponse<InputStream> response) throws IOException {
        assertEquals(200, response.statusCode());
        java.io.ByteArrayOutputStream data = new java.io.ByteArrayOutputStream();
        try (InputStream in = response.body()) {
            StreamFrames.Frame frame;
            while ((frame = StreamFrames.read(in)) != null) {
                if (frame.type() == StreamFrames.DATA) {
                    data.write(frame.payload());
                } else if (frame.type() == StreamFrames.SUMMARY) {
                    assertEquals(-1, in.read());
                    return data.toByteArray();
                } else {
                    throw new IOException("error frame " + new String(frame.payload(), StandardCharsets.UTF_8));
                }
            }
        }
        throw new IOException("no summary frame");
    }
}
