package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.bridge.relay.RelayClient;

/** A hostile WebSocket client: bad frames close only its own session; acks only touch its own packages. */
class RelayWebSocketAbuseTest {
    @TempDir
    Path dir;

    private static CompletableFuture<Integer> openAndWatch(RelayFixture relay, String token, WebSocket[] out) throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        URI ws = URI.create(relay.uri().toString().replace("http", "ws") + "/api/v1/ws");
        out[0] = RelayFixture.HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                .buildAsync(ws, new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                        closed.complete(status);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket w, Throwable error) {
                        closed.complete(-1);
                    }
                }).get(10, TimeUnit.SECONDS);
        return closed;
    }

    @Test
    void badFrames_closeTheSession_andTheRelayCarriesOn() throws Exception {
        try (RelayFixture relay = RelayFixture.sqlite(dir, RelayFixture.testConfig())) {
            RelayClient anon = RelayClient.builder(relay.uri()).build();
            String bobToken = anon.register("bob");
            RelayClient alice = anon.withToken(anon.register("alice"));
            String carolToken = anon.register("carol");
            long ref = alice.send("bob", "AAAA");

            String[] badTexts = {"not json", "{\"type\":\"ack\",\"refs\":[1],\"x\":1}", "{\"type\":\"delete-all\"}",
                "{\"type\":\"ack\",\"refs\":[]}"};
            for (String bad : badTexts) {
                WebSocket[] w = new WebSocket[1];
                CompletableFuture<Integer> closed = openAndWatch(relay, bobToken, w);
                w[0].sendText(bad, true);
                int status = closed.get(10, TimeUnit.SECONDS);
                assertTrue(status == 1003 || status == 1008, bad + " -> " + status);
            }
            WebSocket[] w = new WebSocket[1];
            CompletableFuture<Integer> closed = openAndWatch(relay, bobToken, w);
            w[0].sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true);
            assertEquals(1003, closed.get(10, TimeUnit.SECONDS));

            // a message over the per-frame limit (64 KiB), whole or in continuation frames, ends the session
            WebSocket[] big = new WebSocket[1];
            CompletableFuture<Integer> bigClosed = openAndWatch(relay, bobToken, big);
            big[0].sendText("{\"type\":\"ack\",\"refs\":[" + "1,".repeat(50_000) + "1]}", true);
            int status = bigClosed.get(10, TimeUnit.SECONDS);
            assertTrue(status == 1009 || status == 1006 || status == -1, "message too big: " + status);
            // a small message in two fragments is put together and taken
            WebSocket[] parts = new WebSocket[1];
            CompletableFuture<Integer> partsClosed = openAndWatch(relay, bobToken, parts);
            parts[0].sendText("{\"type\":\"ack\",", false).get(10, TimeUnit.SECONDS);
            parts[0].sendText("\"refs\":[999999]}", true).get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
            assertTrue(!partsClosed.isDone(), "a fragmented ack is fine");
            parts[0].abort();

            // carol acknowledges bob's package over her own WebSocket: nothing happens to it
            WebSocket[] c = new WebSocket[1];
            openAndWatch(relay, carolToken, c);
            c[0].sendText("{\"type\":\"ack\",\"refs\":[" + ref + "]}", true).get(10, TimeUnit.SECONDS);
            Thread.sleep(300);
            assertEquals(1, relay.store.queued("bob"));
            c[0].abort();

            assertEquals(200, relay.call("GET", "/api/v1/health", null, null).status());
            assertEquals(1, RelayClient.builder(relay.uri()).token(bobToken).build().fetch(0, 10).messages().size());
        }
    }
}
