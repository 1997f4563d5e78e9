package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.SqliteRelayStore;
import org.otpi.relay.store.UserRecord;

/**
 * Fuzzing of the request parsers: the whole HTTP pipeline in an {@link EmbeddedChannel} (no
 * socket) fed with mutated requests, and the strict JSON binder on its own. Properties: nothing
 * escapes as an exception, nothing is answered 500, and without a valid token nothing changes.
 * Seeded, so a failure names the seed and input number to replay. The short runs are in the
 * default suite; {@code ./mvnw -Potpi-slow -pl netty-relay-bridge test -Dtest='RelayParserFuzzTest,RelayGarbageTest'}
 * runs the long ones.
 */
class RelayParserFuzzTest {
    private static Path dir;
    private static RelayStore store;
    private static RelayService service;
    private static String aliceToken;

    private static final String[] TEMPLATES = {
        "POST /api/v1/register HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"uid\":\"a b\"}",
        "POST /api/v1/send HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer %T\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"to\":[\"bob\"],\"contents\":\"QUJD\"}",
        "GET /api/v1/messages?from=0&limit=5 HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer %T\r\nContent-Length: %d\r\n\r\n",
        "POST /api/v1/ack HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer %T\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"refs\":[1,2,3]}",
        "GET /api/v1/users HTTP/1.1\r\nHost: r\r\nAuthorization: Bearer %T\r\nContent-Length: %d\r\n\r\n",
        "GET /getmessages?recipient_uid=bob&start_ref=0 HTTP/1.1\r\nHost: r\r\nContent-Length: %d\r\n\r\n",
        "POST /getmessages HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"recipient_uid\":\"bob\",\"start_ref\":1}",
        "POST /send HTTP/1.1\r\nHost: r\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nsender_uid=a&recipient_uid=&contents=x",
        "GET /api/v1/ws?from=0 HTTP/1.1\r\nHost: r\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %T\r\nContent-Length: %d\r\n\r\n",
        "GET /check HTTP/1.1\r\nHost: r\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    };

    @BeforeAll
    static void open() throws Exception {
        dir = Files.createTempDirectory("relay-fuzz");
        store = SqliteRelayStore.open(dir.resolve("relay.db"), SqliteRelayStore.Sync.NORMAL);
        RelayLimits limits = RelayLimits.defaults().withRate(1e9, 1_000_000_000).withRegistrationRate(1e9, 1_000_000_000)
                .withSizes(4096, 16_384);
        service = new RelayService(store, limits, DeliveryFilter.NONE);
        aliceToken = service.register("alice", null, "setup");
        service.register("bob", null, "setup");
        // The fuzzer only ever holds a token with a wrong secret: no mutation may get past auth.
        aliceToken = "alice." + "B".repeat(43);
    }

    @AfterAll
    static void close() throws Exception {
        store.close();
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static EmbeddedChannel pipeline() {
        return new EmbeddedChannel(
                new RequestDeadline(30_000),
                new HttpServerCodec(RelayInitializer.MAX_INITIAL_LINE, RelayInitializer.MAX_HEADER_BYTES, 8192),
                new RequestGate(TrustedProxies.parse(List.of("127.0.0.1")), service.budget(), service.limits().maxBodyBytes()),
                new HttpObjectAggregator(service.limits().maxBodyBytes()),
                new RelayHandler(service, Runnable::run, true, false));
    }

    /** Feeds one input; returns the statuses answered. Throws if anything escaped the pipeline. */
    static List<Integer> feed(byte[] input) {
        EmbeddedChannel ch = pipeline();
        List<Integer> statuses = new ArrayList<>();
        try {
            // in pieces, like TCP might deliver it
            int off = 0;
            int step = Math.max(1, input.length / 3);
            while (off < input.length && ch.isOpen()) {
                int n = Math.min(step, input.length - off);
                ch.writeInbound(Unpooled.wrappedBuffer(input, off, n));
                ch.runPendingTasks();
                off += n;
            }
            ch.runPendingTasks();
            ch.checkException();
            // Decode what the relay wrote, as a client would.
            EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder());
            try {
                Object out;
                while ((out = ch.readOutbound()) != null) {
                    client.writeInbound(out);
                }
                Object resp;
                while ((resp = client.readInbound()) != null) {
                    if (resp instanceof HttpResponse r && r.decoderResult().isSuccess()) {
                        statuses.add(r.status().code());
                    }
                    io.netty.util.ReferenceCountUtil.release(resp);
                }
            } finally {
                client.finishAndReleaseAll();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
        return statuses;
    }

    static byte[] mutate(Random r) {
        String t = TEMPLATES[r.nextInt(TEMPLATES.length)].replace("%T", aliceToken);
        String body = t.contains("\r\n\r\n") ? t.substring(t.indexOf("\r\n\r\n") + 4) : "";
        byte[] b = t.replace("%d", Integer.toString(body.length())).getBytes(StandardCharsets.ISO_8859_1);
        int edits = 1 + r.nextInt(8);
        for (int e = 0; e < edits; e++) {
            int kind = r.nextInt(6);
            int pos = b.length == 0 ? 0 : r.nextInt(b.length);
            switch (kind) {
                case 0 -> { if (b.length > 0) b[pos] = (byte) r.nextInt(256); }
                case 1 -> { if (b.length > 0) b[pos] ^= (byte) (1 << r.nextInt(8)); }
                case 2 -> b = java.util.Arrays.copyOf(b, pos); // truncate
                case 3 -> { // insert random run
                    byte[] ins = new byte[1 + r.nextInt(r.nextBoolean() ? 8 : 20_000)];
                    r.nextBytes(ins);
                    byte[] nb = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, nb, 0, pos);
                    System.arraycopy(ins, 0, nb, pos, ins.length);
                    System.arraycopy(b, pos, nb, pos + ins.length, b.length - pos);
                    b = nb;
                }
                case 4 -> { // duplicate a slice (repeated headers/keys)
                    int len = Math.min(b.length - pos, 1 + r.nextInt(40));
                    byte[] nb = new byte[b.length + len];
                    System.arraycopy(b, 0, nb, 0, pos + len);
                    System.arraycopy(b, pos, nb, pos + len, b.length - pos);
                    b = nb;
                }
                default -> { // interesting JSON/HTTP tokens
                    String[] toks = {"\"", "{", "}", "[", "]", ",", ":", "null", "1e999", "-1", "\\u0000", "\r\n", " ", "%",
                        "99999999999999999999", "\"to\"", "\"refs\"", "true"};
                    byte[] ins = toks[r.nextInt(toks.length)].getBytes(StandardCharsets.ISO_8859_1);
                    byte[] nb = new byte[b.length + ins.length];
                    System.arraycopy(b, 0, nb, 0, pos);
                    System.arraycopy(ins, 0, nb, pos, ins.length);
                    System.arraycopy(b, pos, nb, pos + ins.length, b.length - pos);
                    b = nb;
                }
            }
        }
        return b;
    }

    private static void run(long seed, int iterations) {
        Random r = new Random(seed);
        List<UserRecord> usersBefore = store.users(100);
        long nextBefore = store.nextRef();
        int answered = 0;
        for (int i = 0; i < iterations; i++) {
            byte[] input = (i % 5 == 0) ? randomBytes(r) : mutate(r);
            List<Integer> statuses = feed(input);
            for (int s : statuses) {
                assertNotEquals(500, s, "input #" + i + " of seed " + seed + " caused an internal error");
                assertTrue(s >= 200 && s < 600);
            }
            answered += statuses.size();
        }
        assertTrue(answered > iterations / 4, "most inputs are answered: " + answered);
        assertEquals(usersBefore.stream().map(UserRecord::uid).toList(), store.users(100).stream().map(UserRecord::uid).toList(),
                "only the legacy /send can store anything without a token; no account was created");
        assertEquals(0, store.queued("alice"), "no package for alice without her token");
        assertTrue(store.nextRef() >= nextBefore);
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(2048)];
        r.nextBytes(b);
        return b;
    }

    @Test
    void mutatedRequests_neverCauseInternalErrorsOrUnauthenticatedChanges() {
        run(20261123L, 1500);
    }

    @Test
    @Tag("slow")
    void mutatedRequests_longRun() {
        for (long seed = 1; seed <= 40; seed++) {
            run(seed, 5000);
        }
    }

    @Test
    void sanity_aValidRequestIsAnswered200() {
        byte[] ok = "GET /check HTTP/1.1\r\nHost: r\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(List.of(200), feed(ok));
        assertEquals(List.of(401), feed(("GET /api/v1/users HTTP/1.1\r\nAuthorization: Bearer " + aliceToken
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    private static final ObjectMapper STRICT = Json.strictMapper(4096);

    /** Property: the strict binder either binds or refuses with "bad request", nothing else. */
    static void jsonBinder(byte[] data) {
        ObjectMapper m = STRICT;
        for (Class<?> type : new Class<?>[] {Json.SendRequest.class, Json.AckRequest.class, Json.RegisterRequest.class,
            Json.LegacySend.class, Json.LegacyGetMessages.class, Json.ClientFrame.class}) {
            try {
                Object v = Json.parse(m, data, type);
                assertTrue(v != null);
            } catch (RelayFailure expected) {
                assertEquals(RelayFailure.Kind.BAD_REQUEST, expected.kind);
            }
        }
    }

    @Test
    void jsonBinder_randomBytes() {
        jsonBinderRun(99, 1500);
    }

    @Test
    @Tag("slow")
    void jsonBinder_longRun() {
        jsonBinderRun(100, 300_000);
    }

    private static void jsonBinderRun(long seed, int iterations) {
        Random r = new Random(seed);
        for (int i = 0; i < iterations; i++) {
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            jsonBinder(b);
            jsonBinder(("{\"to\":[\"bob\"],\"contents\":\"" + new String(b, StandardCharsets.ISO_8859_1) + "\"}")
                    .getBytes(StandardCharsets.ISO_8859_1));
        }
    }

}
