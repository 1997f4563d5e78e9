package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API on a real socket: auth, strict JSON, limits, the paper's endpoints. */
class RelayApiTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;
    RelayFixture relay;

    @BeforeEach
    void start() throws Exception {
        relay = RelayFixture.sqlite(dir, RelayFixture.testConfig()
                .limits(RelayLimits.defaults().withRegistrationRate(1000, 1000).withSizes(2000, 8192).withQueueLimit(5)));
    }

    @AfterEach
    void stop() {
        relay.close();
    }

    private Path sub(String name) throws java.io.IOException {
        return java.nio.file.Files.createDirectories(dir.resolve(name));
    }

    private String register(String uid) throws Exception {
        RelayFixture.Reply r = relay.call("POST", "/api/v1/register", "{\"uid\":\"" + uid + "\"}", null);
        assertEquals(201, r.status(), r.body());
        JsonNode n = M.readTree(r.body());
        assertEquals(uid, n.get("uid").asText());
        return n.get("token").asText();
    }

    private static String pkg(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void health_answersWithoutToken_liveAndReady() throws Exception {
        for (String path : new String[] {"/api/v1/health", "/api/v1/health/ready", "/api/v1/health/live"}) {
            RelayFixture.Reply r = relay.call("GET", path, null, null);
            assertEquals(200, r.status(), path);
            assertEquals("{\"status\":\"ok\"}", r.body());
        }
    }

    @Test
    void register_twiceOrWithBadName_isRefused() throws Exception {
        String token = register("alice");
        assertTrue(token.startsWith("alice."));
        assertEquals(409, relay.call("POST", "/api/v1/register", "{\"uid\":\"alice\"}", null).status());
        assertEquals(400, relay.call("POST", "/api/v1/register", "{\"uid\":\"al ice\"}", null).status());
        assertEquals(400, relay.call("POST", "/api/v1/register", "{\"uid\":\"" + "a".repeat(65) + "\"}", null).status());
        assertEquals(400, relay.call("POST", "/api/v1/register", "{\"uid\":null}", null).status());
    }

    @Test
    void tokens_areStoredOnlyAsSha256() throws Exception {
        String token = register("alice");
        byte[] secret = Base64.getUrlDecoder().decode(token.substring(token.lastIndexOf('.') + 1));
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("relay.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT token_hash FROM accounts WHERE uid = 'alice'")) {
            assertTrue(rs.next());
            byte[] stored = rs.getBytes(1);
            assertArrayEquals(AccountTokens.sha256(secret), stored);
            assertFalse(new String(stored, StandardCharsets.ISO_8859_1).contains(token.substring(6)));
        }
    }

    @Test
    void sendFetchAck_roundTrip() throws Exception {
        String alice = register("alice");
        String bob = register("bob");
        String carol = register("carol");
        RelayFixture.Reply sent = relay.call("POST", "/api/v1/send",
                "{\"to\":[\"bob\",\"carol\"],\"contents\":\"" + pkg("hello") + "\"}", alice);
        assertEquals(200, sent.status(), sent.body());
        JsonNode refs = M.readTree(sent.body()).get("refs");
        assertEquals(2, refs.size());
        long bobRef = refs.get(0).asLong();

        JsonNode page = M.readTree(relay.call("GET", "/api/v1/messages?from=0", null, bob).body());
        assertEquals(1, page.get("messages").size());
        JsonNode m = page.get("messages").get(0);
        assertEquals(bobRef, m.get("ref").asLong());
        assertEquals("alice", m.get("from").asText());
        assertEquals("bob", m.get("to").asText());
        assertEquals(pkg("hello"), m.get("contents").asText());
        assertEquals(bobRef + 1, page.get("nextRef").asLong());

        JsonNode empty = M.readTree(relay.call("GET", "/api/v1/messages?from=" + (bobRef + 1), null, bob).body());
        assertEquals(0, empty.get("messages").size());
        assertEquals(bobRef + 1, empty.get("nextRef").asLong());

        assertEquals("{\"acked\":0}", relay.call("POST", "/api/v1/ack", "{\"refs\":[" + bobRef + "]}", carol).body(),
                "carol cannot acknowledge bob's package");
        assertEquals("{\"acked\":1}", relay.call("POST", "/api/v1/ack", "{\"refs\":[" + bobRef + "]}", bob).body());
        assertEquals(0, M.readTree(relay.call("GET", "/api/v1/messages", null, bob).body()).get("messages").size());
        assertEquals(1, M.readTree(relay.call("GET", "/api/v1/messages", null, carol).body()).get("messages").size());
        assertEquals(refs.get(1).asLong() + 1,
                M.readTree(relay.call("GET", "/api/v1/nextref", null, bob).body()).get("nextRef").asLong());
    }

    @Test
    void missingWrongOrMalformedToken_isUnauthorizedWithGenericBody() throws Exception {
        String alice = register("alice");
        register("bob");
        String forged = "alice." + Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[32]);
        String body = "{\"to\":[\"bob\"],\"contents\":\"QQ==\"}";
        for (String t : new String[] {null, forged, "alice", "alice.", "bob." + alice.substring(6), "x".repeat(500),
                "nobody." + alice.substring(6)}) {
            RelayFixture.Reply r = relay.call("POST", "/api/v1/send", body, t);
            assertEquals(401, r.status(), "token " + t);
            assertEquals("{\"error\":\"unauthorized\"}", r.body());
        }
        assertEquals(0, relay.store.queued("bob"), "nothing was stored by unauthenticated calls");
        assertEquals(200, relay.call("POST", "/api/v1/send", body, alice).status());
    }

    @Test
    void strictJson_refusesUnknownFieldsDuplicatesTrailingAndWrongTypes() throws Exception {
        String alice = register("alice");
        register("bob");
        String[] bad = {
            "{\"to\":[\"bob\"],\"contents\":\"QQ==\",\"priority\":1}",
            "{\"to\":[\"bob\"],\"contents\":\"QQ==\",\"contents\":\"Qg==\"}",
            "{\"to\":[\"bob\"],\"contents\":\"QQ==\"} {}",
            "{\"to\":\"bob\",\"contents\":\"QQ==\"}",
            "{\"to\":[\"bob\"],\"contents\":5}",
            "{\"to\":[\"bob\"],\"contents\":\"not base64!\"}",
            "{\"to\":[\"bob\"]",
            "[]",
            "null",
            "",
            "{\"to\":[[[[[[[[[[\"bob\"]]]]]]]]]],\"contents\":\"QQ==\"}",
            "{\"to\":[\"bob\",\"bob\"],\"contents\":\"QQ==\"}",
            "{\"to\":[],\"contents\":\"QQ==\"}",
        };
        for (String b : bad) {
            RelayFixture.Reply r = relay.call("POST", "/api/v1/send", b, alice);
            assertEquals(400, r.status(), b);
            assertEquals("{\"error\":\"bad request\"}", r.body());
        }
        assertEquals(400, relay.call("POST", "/api/v1/ack", "{\"refs\":[1.5]}", alice).status());
        assertEquals(400, relay.call("POST", "/api/v1/ack", "{\"refs\":[\"1\"]}", alice).status());
        assertEquals(400, relay.call("GET", "/api/v1/messages?from=-1", null, alice).status());
        assertEquals(400, relay.call("GET", "/api/v1/messages?from=1&from=2", null, alice).status());
        assertEquals(0, relay.store.queued("bob"));
    }

    @Test
    void unknownRecipient_isNotFound() throws Exception {
        String alice = register("alice");
        assertEquals(404, relay.call("POST", "/api/v1/send", "{\"to\":[\"ghost\"],\"contents\":\"QQ==\"}", alice).status());
        assertEquals(404, relay.call("GET", "/api/v1/nothing", null, alice).status());
        assertEquals(405, relay.call("GET", "/api/v1/send", null, alice).status());
    }

    @Test
    void sizeLimits_packageAndBody() throws Exception {
        String alice = register("alice");
        register("bob");
        String big = "A".repeat(2004); // base64, over maxPackageChars=2000, body under 8192
        assertEquals(413, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"" + big + "\"}", alice).status());
        String huge = "A".repeat(20_000); // body over maxBodyBytes=8192
        assertEquals(413, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"" + huge + "\"}", alice).status());
        assertEquals(200, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"" + "A".repeat(2000) + "\"}", alice).status());
        assertEquals(1, relay.store.queued("bob"));
        assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status(), "relay still serves after 413");
    }

    /**
     * A refused body that is still arriving is read and dropped for a while after the 413, not
     * met with a closed socket: closing with the client's bytes unread resets the connection,
     * and a reset can throw away the 413 before the client has read it (seen as "no response"
     * from the JDK's HTTP client on a busy machine). The connection still ends: after
     * {@link RequestGate#LINGER_MILLIS} the client's writes fail.
     */
    @Test
    void aRefusedBodyStillArriving_isDrained_soThe413Survives_thenTheConnectionEnds() throws Exception {
        String alice = register("alice");
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", relay.server.port())) {
            s.setSoTimeout(5000);
            java.io.OutputStream out = s.getOutputStream();
            out.write(("POST /api/v1/send HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer " + alice
                    + "\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] answer = s.getInputStream().readAllBytes(); // the 413, then end of stream (output shut)
            assertTrue(new String(answer, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 413"));
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 10; i++) { // the body keeps coming: the relay reads and drops it
                out.write(chunk);
                out.flush();
                Thread.sleep(20);
            }
            Thread.sleep(RequestGate.LINGER_MILLIS + 500);
            assertThrows(java.io.IOException.class, () -> {
                for (int i = 0; i < 50; i++) { // closed by now: a reset comes back, writes fail
                    out.write(chunk);
                    out.flush();
                    Thread.sleep(20);
                }
            });
        }
        assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status(), "relay still serves");
    }

    @Test
    void recipientQueueLimit_refusesFurtherPackages() throws Exception {
        String alice = register("alice");
        register("bob");
        for (int i = 0; i < 5; i++) {
            assertEquals(200, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"QQ==\"}", alice).status());
        }
        assertEquals(429, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"QQ==\"}", alice).status());
        assertEquals(5, relay.store.queued("bob"));
    }

    @Test
    void users_listsActiveAccountsFirst_withPresence_andLooksUpByName() throws Exception {
        String alice = register("alice");
        register("bob");
        JsonNode users = M.readTree(relay.call("GET", "/api/v1/users", null, alice).body()).get("users");
        assertEquals(2, users.size());
        assertEquals("alice", users.get(0).get("uid").asText());
        assertTrue(users.get(0).get("online").asBoolean(), "alice just made a request");
        assertEquals("bob", users.get(1).get("uid").asText(), "a new account not used yet is listed after the active ones");
        assertFalse(users.get(1).get("online").asBoolean(), "bob never came back after registering");
        assertEquals(401, relay.call("GET", "/api/v1/users", null, null).status());
        assertEquals("{\"uid\":\"bob\",\"online\":false}", relay.call("GET", "/api/v1/users/bob", null, alice).body());
        assertEquals(404, relay.call("GET", "/api/v1/users/nobody", null, alice).status());
        assertEquals(404, relay.call("GET", "/api/v1/users/..%2F", null, alice).status());
    }

    @Test
    void junkAccounts_doNotPushActiveUsersOutOfTheList() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("junk"), RelayFixture.testConfig()
                .limits(RelayLimits.defaults().toBuilder().registrationRate(1000, 1000).users(20, 30).build()))) {
            String alice = M.readTree(r.call("POST", "/api/v1/register", "{\"uid\":\"alice\"}", null).body()).get("token").asText();
            String bob = M.readTree(r.call("POST", "/api/v1/register", "{\"uid\":\"bob\"}", null).body()).get("token").asText();
            assertEquals(200, r.call("GET", "/api/v1/nextref", null, bob).status()); // bob is active
            for (int i = 0; i < 60; i++) { // more junk registrations than the list holds
                assertEquals(201, r.call("POST", "/api/v1/register", "{\"uid\":\"junk" + i + "\"}", null).status());
            }
            JsonNode users = M.readTree(r.call("GET", "/api/v1/users", null, alice).body()).get("users");
            assertEquals(20, users.size(), "bounded");
            assertEquals("alice", users.get(0).get("uid").asText());
            assertEquals("bob", users.get(1).get("uid").asText(), "active accounts come before never-used ones");
        }
    }

    @Test
    void legacyEndpoints_workWithThePapersFieldNames_whenTurnedOn() throws Exception {
        relay.close();
        relay = RelayFixture.sqlite(sub("legacy"), RelayFixture.testConfig().legacyEndpoints(true)
                .limits(RelayLimits.defaults().withRegistrationRate(1000, 1000).withSizes(2000, 8192).withQueueLimit(5)));
        String bob = register("bob");
        assertEquals("{\"status\":\"ok\"}", relay.call("GET", "/check", null, null).body());
        long next = M.readTree(relay.call("GET", "/getnextref", null, null).body()).get("ref").asLong();
        RelayFixture.Reply a = relay.call("GET", "/send?sender_uid=alice&recipient_uid=bob&contents=hello%20bob", null, null);
        assertEquals(200, a.status(), a.body());
        assertEquals(next, M.readTree(a.body()).get("ref").asLong());
        RelayFixture.Reply b = relay.call("POST", "/send",
                "{\"sender_uid\":\"carol\",\"recipient_uid\":\"bob\",\"contents\":\"second\"}", null);
        assertEquals(200, b.status(), b.body());
        RelayFixture.Reply c = relay.call("POST", "/send", "sender_uid=dave&recipient_uid=bob&contents=third", null,
                "application/x-www-form-urlencoded");
        assertEquals(200, c.status(), c.body());

        assertEquals(401, relay.call("GET", "/getmessages?recipient_uid=bob&start_ref=" + next, null, null).status(),
                "nobody reads bob's queue without bob's token");
        String alice = register("alice");
        assertEquals(401, relay.call("GET", "/getmessages?recipient_uid=bob&start_ref=" + next, null, alice).status(),
                "nor with another account's token");
        assertEquals(404, relay.call("GET", "/send?sender_uid=alice&recipient_uid=nobody&contents=x", null, null).status(),
                "packages only for registered accounts");
        JsonNode all = M.readTree(relay.call("GET", "/getmessages?recipient_uid=bob&start_ref=" + next, null, bob).body());
        assertEquals(3, all.size());
        assertEquals("alice", all.get(0).get("sender_uid").asText());
        assertEquals("bob", all.get(0).get("recipient_uid").asText());
        assertEquals("hello bob", all.get(0).get("contents").asText());
        assertEquals(next, all.get(0).get("ref").asLong());
        assertEquals("second", all.get(1).get("contents").asText());
        assertEquals("third", all.get(2).get("contents").asText());
        JsonNode later = M.readTree(relay.call("POST", "/getmessages",
                "{\"recipient_uid\":\"bob\",\"start_ref\":" + (next + 2) + ",\"token\":\"" + bob + "\"}", null).body());
        assertEquals(1, later.size(), "the token as a parameter, for clients of the paper's API");

        assertEquals(400, relay.call("GET", "/send?sender_uid=a&recipient_uid=b&contents=x&extra=1", null, null).status());
        assertEquals(400, relay.call("POST", "/send", "{\"sender_uid\":\"a\",\"recipient_uid\":\"b\",\"contents\":\"x\",\"x\":1}", null).status());
        assertEquals(400, relay.call("GET", "/send?sender_uid=a&recipient_uid=b&contents=%00", null, null).status());
        assertEquals(400, relay.call("GET", "/getmessages?recipient_uid=bob&start_ref=abc", null, bob).status());
    }

    @Test
    void legacyEndpoints_areOffByDefault() throws Exception {
        register("bob");
        assertEquals(404, relay.call("GET", "/check", null, null).status());
        assertEquals(404, relay.call("GET", "/send?sender_uid=a&recipient_uid=bob&contents=x", null, null).status());
        assertEquals(404, relay.call("GET", "/getmessages?recipient_uid=bob&start_ref=0", null, null).status());
        assertEquals(0, relay.store.queued("bob"));
        assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status());
    }

    @Test
    void pipelinedRequests_areAnsweredInOrder() throws Exception {
        String req = "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        String got = RelayFixture.str(relay.raw(req.getBytes(StandardCharsets.US_ASCII), 3000));
        int a = got.indexOf("HTTP/1.1 200");
        int b = got.indexOf("HTTP/1.1 404");
        int c = got.indexOf("HTTP/1.1 200", a + 1);
        assertTrue(a >= 0 && b > a && c > b, got);
    }

    @Test
    void malformedHttp_getsBadRequestAndRelayStaysUp() throws Exception {
        String got = RelayFixture.str(relay.raw("BLAH\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 2000));
        assertTrue(got.startsWith("HTTP/1.1 400"), got);
        String longLine = "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n\r\n";
        String got2 = RelayFixture.str(relay.raw(longLine.getBytes(StandardCharsets.US_ASCII), 2000));
        assertTrue(got2.isEmpty() || got2.startsWith("HTTP/1.1 4"), got2);
        assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status());
    }

    @Test
    void idleConnection_isClosed() throws Exception {
        try (RelayFixture quick = RelayFixture.sqlite(sub("q"),
                RelayFixture.testConfig().limits(RelayLimits.defaults().withIdleSeconds(1)))) {
            long t0 = System.nanoTime();
            byte[] got = quick.raw(new byte[0], 10_000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, got.length);
            assertTrue(ms < 5000, "closed after " + ms + " ms");
        }
    }

    @Test
    void rateLimit_perAccountTokenBucket() throws Exception {
        try (RelayFixture slow = RelayFixture.sqlite(sub("r"),
                RelayFixture.testConfig().limits(RelayLimits.defaults().withRegistrationRate(1000, 1000).withRate(0.5, 5)))) {
            String a = M.readTree(slow.call("POST", "/api/v1/register", "{\"uid\":\"a\"}", null).body()).get("token").asText();
            String b = M.readTree(slow.call("POST", "/api/v1/register", "{\"uid\":\"b\"}", null).body()).get("token").asText();
            for (int i = 0; i < 5; i++) {
                assertEquals(200, slow.call("GET", "/api/v1/nextref", null, a).status(), "within burst: " + i);
            }
            RelayFixture.Reply limited = slow.call("GET", "/api/v1/nextref", null, a);
            assertEquals(429, limited.status());
            assertEquals("{\"error\":\"slow down\"}", limited.body());
            assertEquals(200, slow.call("GET", "/api/v1/nextref", null, b).status(), "another account has its own bucket");
            Thread.sleep(2100);
            assertEquals(200, slow.call("GET", "/api/v1/nextref", null, a).status(), "the bucket refills");
        }
    }

    @Test
    void registration_isRateLimitedPerAddress() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("g"),
                RelayFixture.testConfig().limits(RelayLimits.defaults().withRegistrationRate(0.01, 3)))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(201, r.call("POST", "/api/v1/register", "{\"uid\":\"u" + i + "\"}", null).status());
            }
            assertEquals(429, r.call("POST", "/api/v1/register", "{\"uid\":\"u9\"}", null).status());
            assertNotEquals(true, r.store.tokenHash("u9").isPresent());
        }
    }

    @Test
    void storeFailure_isAGeneric500_readinessSays503_andTheProcessStaysLive() throws Exception {
        String alice = register("alice");
        register("bob");
        String body = "{\"to\":[\"bob\"],\"contents\":\"QQ==\"}";
        assertEquals(200, relay.call("POST", "/api/v1/send", body, alice).status()); // warms the caches
        relay.store.close(); // the next commit cannot happen
        RelayFixture.Reply r = relay.call("POST", "/api/v1/send", body, alice);
        assertEquals(500, r.status());
        assertEquals("{\"error\":\"failed\"}", r.body());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (relay.call("GET", "/api/v1/health/ready", null, null).status() != 503 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        RelayFixture.Reply ready = relay.call("GET", "/api/v1/health/ready", null, null);
        assertEquals(503, ready.status(), "a load balancer stops sending traffic here");
        assertEquals("{\"status\":\"unavailable\"}", ready.body());
        assertEquals(503, relay.call("GET", "/api/v1/health", null, null).status(), "the old path reports the store too");
        assertEquals(200, relay.call("GET", "/api/v1/health/live", null, null).status(), "the process itself is fine");
    }

    @Test
    void bindingAPortInUse_failsAndLeavesTheFirstRelayServing() throws Exception {
        RelayConfig clash = RelayFixture.testConfig().bind("127.0.0.1").port(relay.server.port()).build();
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> RelayServer.start(clash, relay.store));
        assertTrue(e instanceof java.net.BindException || e.getCause() instanceof java.net.BindException
                || String.valueOf(e.getMessage()).contains("in use"), e.toString());
        assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status());
    }

    // ------------------------------------------------------------ idempotency keys

    private RelayFixture.Reply sendWithKey(String token, String body, String key) throws Exception {
        return relay.call("POST", "/api/v1/send", body, token, "application/json", java.util.Map.of("Idempotency-Key", key));
    }

    @Test
    void idempotencyKey_retryIsStoredOnce_andAnsweredWithTheFirstRefs() throws Exception {
        String alice = register("alice");
        register("bob");
        register("carol");
        String body = "{\"to\":[\"bob\",\"carol\"],\"contents\":\"QUJD\"}";
        RelayFixture.Reply first = sendWithKey(alice, body, "pkg-0001_A");
        assertEquals(200, first.status(), first.body());
        RelayFixture.Reply retry = sendWithKey(alice, body, "pkg-0001_A");
        assertEquals(200, retry.status());
        assertEquals(first.body(), retry.body(), "the refs of the first");
        assertEquals(1, relay.store.queued("bob"));
        assertEquals(1, relay.store.queued("carol"));
        assertEquals(422, sendWithKey(alice, "{\"to\":[\"bob\",\"carol\"],\"contents\":\"WFla\"}", "pkg-0001_A").status(),
                "a key reused for another package");
        assertEquals(200, relay.call("POST", "/api/v1/send", body, alice).status(), "no key: stored again");
        assertEquals(2, relay.store.queued("bob"));
    }

    @Test
    void malformedIdempotencyKey_isABadRequest_andStoresNothing() throws Exception {
        String alice = register("alice");
        register("bob");
        String body = "{\"to\":[\"bob\"],\"contents\":\"QUJD\"}";
        for (String bad : new String[] {"a".repeat(65), "has space", "dot.ted", "semi;colon", "\u00e9t\u00e9"}) {
            assertEquals(400, sendWithKey(alice, body, bad).status(), bad);
        }
        String two = "POST /api/v1/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice + "\r\nIdempotency-Key: a\r\n"
                + "Idempotency-Key: b\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n"
                + "Connection: close\r\n\r\n" + body;
        assertTrue(RelayFixture.str(relay.raw(two.getBytes(StandardCharsets.UTF_8), 3000)).startsWith("HTTP/1.1 400"),
                "two keys on one request");
        assertEquals(0, relay.store.queued("bob"));
        assertEquals(200, sendWithKey(alice, body, "a".repeat(64)).status(), "64 characters is the longest key");
    }

    // ------------------------------------------------------------ registration an operator controls

    @Test
    void registration_closed_refusesEveryone() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("closed"), RelayFixture.testConfig()
                .registration(RelayConfig.Registration.CLOSED))) {
            RelayFixture.Reply reply = r.call("POST", "/api/v1/register", "{\"uid\":\"alice\"}", null);
            assertEquals(403, reply.status());
            assertEquals("{\"error\":\"forbidden\"}", reply.body());
            assertTrue(r.store.tokenHash("alice").isEmpty());
        }
    }

    @Test
    void registration_byInvite_needsAnUnusedCode() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("invite"), RelayFixture.testConfig()
                .registration(RelayConfig.Registration.INVITE))) {
            java.util.List<String> codes = Invites.make(2);
            r.store.addInvites(codes.stream().map(Invites::hash).toList(), System.currentTimeMillis(),
                    System.currentTimeMillis() + 60_000);
            assertEquals(403, r.call("POST", "/api/v1/register", "{\"uid\":\"alice\"}", null).status(), "no code");
            assertEquals(403, r.call("POST", "/api/v1/register",
                    "{\"uid\":\"alice\",\"invite\":\"" + Invites.make(1).get(0) + "\"}", null).status(), "unknown code");
            assertEquals(201, r.call("POST", "/api/v1/register",
                    "{\"uid\":\"alice\",\"invite\":\"" + codes.get(0) + "\"}", null).status());
            assertEquals(403, r.call("POST", "/api/v1/register",
                    "{\"uid\":\"bob\",\"invite\":\"" + codes.get(0) + "\"}", null).status(), "used up");
            assertEquals(201, r.call("POST", "/api/v1/register",
                    "{\"uid\":\"bob\",\"invite\":\"" + codes.get(1) + "\"}", null).status());
        }
    }

    // ------------------------------------------------------------ bounded by bytes

    @Test
    void byteQuotaPerRecipient_refusesWithSlowDown() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("quota"), RelayFixture.testConfig()
                .limits(RelayLimits.defaults().toBuilder().registrationRate(1000, 1000).queueBytes(10_000).build()))) {
            String alice = M.readTree(r.call("POST", "/api/v1/register", "{\"uid\":\"alice\"}", null).body()).get("token").asText();
            String bob = M.readTree(r.call("POST", "/api/v1/register", "{\"uid\":\"bob\"}", null).body()).get("token").asText();
            r.call("POST", "/api/v1/register", "{\"uid\":\"carol\"}", null);
            String four = "{\"to\":[\"bob\"],\"contents\":\"" + "A".repeat(4000) + "\"}";
            assertEquals(200, r.call("POST", "/api/v1/send", four, alice).status());
            assertEquals(200, r.call("POST", "/api/v1/send", four, alice).status());
            assertEquals(429, r.call("POST", "/api/v1/send", four, alice).status(), "12,000 bytes would pass the quota");
            assertEquals(429, r.call("POST", "/api/v1/send", "{\"to\":[\"carol\",\"bob\"],\"contents\":\"" + "A".repeat(4000) + "\"}",
                    alice).status(), "a send to several is refused whole if one inbox is full");
            assertEquals(0, r.store.queued("carol"));
            JsonNode page = M.readTree(r.call("GET", "/api/v1/messages", null, bob).body());
            long ref = page.get("messages").get(0).get("ref").asLong();
            assertEquals(200, r.call("POST", "/api/v1/ack", "{\"refs\":[" + ref + "]}", bob).status());
            assertEquals(200, r.call("POST", "/api/v1/send", four, alice).status(), "room again after acknowledging");
        }
    }

    @Test
    void fetch_isBoundedByBytes_andPagingAlwaysMovesOn() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(sub("paging"), RelayFixture.testConfig()
                .limits(RelayLimits.defaults().toBuilder().registrationRate(1000, 1000).fetch(500, 10_000).build()))) {
            RelayClientLike c = new RelayClientLike(r);
            String alice = c.register("alice");
            String bob = c.register("bob");
            for (int i = 0; i < 10; i++) {
                assertEquals(200, r.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"" + "A".repeat(3000) + "\"}",
                        alice).status());
            }
            assertEquals(200, r.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"" + "B".repeat(40_000) + "\"}",
                    alice).status());
            assertEquals(200, r.call("POST", "/api/v1/send", "{\"to\":[\"bob\"],\"contents\":\"QUJD\"}", alice).status());
            long from = 0;
            List<Integer> pages = new java.util.ArrayList<>();
            int total = 0;
            while (true) {
                JsonNode page = M.readTree(r.call("GET", "/api/v1/messages?from=" + from, null, bob).body());
                int n = page.get("messages").size();
                if (n == 0) {
                    break;
                }
                pages.add(n);
                total += n;
                long next = page.get("nextRef").asLong();
                assertTrue(next > from, "each page moves on");
                from = next;
            }
            assertEquals(12, total, "everything was read");
            assertEquals(List.of(3, 3, 3, 1, 1, 1), pages,
                    "three 3,000-byte packages fit in 10,000; the 40,000-byte one comes alone");
        }
    }

    @Test
    void multiRecipientSend_keepsOneCopyOfTheContents() throws Exception {
        String alice = register("alice");
        register("bob");
        register("carol");
        register("dave");
        assertEquals(200, relay.call("POST", "/api/v1/send", "{\"to\":[\"bob\",\"carol\",\"dave\"],\"contents\":\""
                + "Q".repeat(1000) + "\"}", alice).status());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("relay.db"));
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT COUNT(*) FROM packages), (SELECT COUNT(*) FROM queue),"
                     + " (SELECT SUM(LENGTH(contents)) FROM packages)")) {
            assertTrue(rs.next());
            assertEquals(1, rs.getInt(1));
            assertEquals(3, rs.getInt(2));
            assertEquals(1000, rs.getInt(3), "1,000 bytes stored, not 3,000");
        }
    }

    /** Registers through the fixture (tests of other fixtures). */
    private static final class RelayClientLike {
        private final RelayFixture r;

        RelayClientLike(RelayFixture r) {
            this.r = r;
        }

        String register(String uid) throws Exception {
            return M.readTree(r.call("POST", "/api/v1/register", "{\"uid\":\"" + uid + "\"}", null).body()).get("token").asText();
        }
    }
}
