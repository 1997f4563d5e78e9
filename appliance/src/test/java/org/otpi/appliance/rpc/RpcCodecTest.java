package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.DenyApprover;

/** The pipeline's stages without sockets, on EmbeddedChannel. */
class RpcCodecTest {
    @TempDir
    Path state;

    /**
     * A channel whose clock moves only by {@code advanceTimeBy}: with the real clock running too, a
     * pause of the test (a busy machine, a GC) would pass the deadline between two steps.
     */
    private static EmbeddedChannel deadlines(long millis) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new ConnectionDeadlines(millis));
        return ch;
    }

    @Test
    void deadline_closesAfterTheLimit_evenIfBytesTrickle() {
        EmbeddedChannel ch = deadlines(1000);
        ch.advanceTimeBy(600, TimeUnit.MILLISECONDS);
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/health"));
        ch.advanceTimeBy(399, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "still within the deadline");
        ch.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "the request did not complete in time: closed");
        ch.finishAndReleaseAll();
    }

    @Test
    void deadline_pausesWhileProcessing_andRearmsAfterTheResponse() {
        EmbeddedChannel ch = deadlines(1000);
        ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/v1/health"));
        ch.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
        ch.advanceTimeBy(5000, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isOpen(), "an approval may take long: no deadline while processing");
        ch.writeOutbound(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
        ch.advanceTimeBy(1001, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isOpen(), "idle after the response: closed");
        ch.finishAndReleaseAll();
    }

    private EmbeddedChannel pipeline() throws Exception {
        RpcConfig config = RpcConfig.defaults(java.net.InetAddress.getLoopbackAddress(), 0);
        ClientRegistry clients = ClientRegistry.open(state);
        RpcContext rpc = new RpcContext(config, new FakeDeviceService("alice", 1000, "bob"), new DenyApprover(), clients,
                new PairingManager(clients, (c, code, d) -> { }, Clock.systemUTC()),
                Executors.newSingleThreadExecutor(), Executors.newSingleThreadExecutor());
        EmbeddedChannel ch = new EmbeddedChannel();
        RpcInitializer.configure(ch.pipeline(), rpc);
        return ch;
    }

    private static String exchange(EmbeddedChannel ch, String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        ch.runPendingTasks();
        StringBuilder sb = new StringBuilder();
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            sb.append(out.toString(StandardCharsets.ISO_8859_1));
            out.release();
        }
        return sb.toString();
    }

    @Test
    void health_and_keepAlive() throws Exception {
        EmbeddedChannel ch = pipeline();
        String r = exchange(ch, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 200 OK"), r);
        assertTrue(r.contains("content-type: application/json"), r);
        assertTrue(r.endsWith("{\"status\":\"ok\",\"version\":\"1\",\"unlocked\":true,\"aead\":\""
                + org.otpi.appliance.crypto.ChaChaEngines.best().name() + "\"}"), r);
        assertTrue(ch.isOpen(), "keep-alive");
        String again = exchange(ch, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(again.startsWith("HTTP/1.1 200 OK"), again);
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void unknownPath_isNotFound_andUnauthenticatedIsRefused() throws Exception {
        EmbeddedChannel ch = pipeline();
        assertTrue(exchange(ch, "GET /admin HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 404"));
        String r = exchange(ch, "POST /api/v1/seal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        assertTrue(r.startsWith("HTTP/1.1 401"), r);
        assertTrue(r.endsWith("{\"error\":\"failed\",\"code\":\"unauthorized\",\"warnings\":[]}"), r);
        ch.finishAndReleaseAll();
    }

    @Test
    void oversizedContentLength_is413_beforeAnyBodyIsRead() throws Exception {
        EmbeddedChannel ch = pipeline();
        String r = exchange(ch, "POST /api/v1/seal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 413"), r);
        ch.finishAndReleaseAll();
    }

    @Test
    void malformedRequestLine_is400_andCloses() throws Exception {
        EmbeddedChannel ch = pipeline();
        String r = exchange(ch, "\u0001\u0002 GARBAGE\r\n\r\n");
        assertTrue(r.isEmpty() || r.startsWith("HTTP/1.1 400"), r);
        ch.runPendingTasks();
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void hugeHeader_isRefused() throws Exception {
        EmbeddedChannel ch = pipeline();
        String r = exchange(ch, "GET /api/v1/health HTTP/1.1\r\nX: " + "a".repeat(20_000) + "\r\n\r\n");
        assertFalse(r.startsWith("HTTP/1.1 200"), r);
        ch.finishAndReleaseAll();
    }

    @Test
    void fileRequestWithoutToken_isRefused_andBodyIgnored() throws Exception {
        EmbeddedChannel ch = pipeline();
        String r = exchange(ch, "POST /api/v1/file/seal?contact=bob HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        assertTrue(r.startsWith("HTTP/1.1 401"), r);
        assertNull(ch.readInbound(), "nothing leaks past the file handler");
        ch.finishAndReleaseAll();
    }

    @Test
    void pairingDisplay_neverGetsTheCodeBackOverTheWire() throws Exception {
        Files.createDirectories(state);
        java.util.List<String> shown = new java.util.ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), Clock.systemUTC());
        PairingManager.Started s = pm.start("laptop").orElseThrow();
        assertEquals(8, shown.get(0).length());
        assertFalse(s.toString().contains(shown.get(0)));
        assertEquals(Duration.ofMinutes(2), s.validFor());
        assertTrue(pm.finish(s.pairingId(), shown.get(0)).isPresent());
        assertTrue(pm.finish(s.pairingId(), shown.get(0)).isEmpty(), "a code works once");
    }
}
