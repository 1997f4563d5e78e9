package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client address on real sockets: from a PROXY protocol header (v1 text, v2 binary) or
 * X-Forwarded-For, believed only from a trusted proxy. Registration is limited to one per
 * address here, so "the relay told two addresses apart" shows as two 201s.
 */
class ClientAddressTest {
    @TempDir
    Path dir;

    private static RelayConfig.Builder oneRegistrationPerAddress(List<String> trusted) {
        return RelayFixture.testConfig().trustedProxies(trusted)
                .limits(RelayLimits.defaults().withRegistrationRate(0.001, 1));
    }

    private static byte[] register(String uid, String extraHeaders) {
        String body = "{\"uid\":\"" + uid + "\"}";
        return ("POST /api/v1/register HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\n" + extraHeaders
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(a);
        o.writeBytes(b);
        return o.toByteArray();
    }

    private static byte[] proxyV1(String source) {
        return ("PROXY TCP4 " + source + " 127.0.0.1 40000 8090\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** PROXY protocol v2: signature, version 2 / PROXY, TCP over IPv4, 12 address bytes. */
    private static byte[] proxyV2(int a, int b, int c, int d) {
        ByteBuffer buf = ByteBuffer.allocate(28);
        buf.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
        buf.put((byte) 0x21).put((byte) 0x11).putShort((short) 12);
        buf.put(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d}).put(new byte[] {127, 0, 0, 1});
        buf.putShort((short) 40000).putShort((short) 8090);
        return buf.array();
    }

    private static int status(byte[] answer) {
        String s = RelayFixture.str(answer);
        return s.startsWith("HTTP/1.1 ") ? Integer.parseInt(s.substring(9, 12)) : -1;
    }

    @Test
    void proxyProtocolV1AndV2_fromATrustedProxy_nameTheClient() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(dir, oneRegistrationPerAddress(List.of("127.0.0.1")))) {
            assertEquals(201, status(r.raw(concat(proxyV1("203.0.113.7"), register("a1", "")), 3000)));
            assertEquals(429, status(r.raw(concat(proxyV1("203.0.113.7"), register("a2", "")), 3000)), "same client again");
            assertEquals(201, status(r.raw(concat(proxyV1("203.0.113.8"), register("a3", "")), 3000)), "another client");
            assertEquals(201, status(r.raw(concat(proxyV2(198, 51, 100, 1), register("a4", "")), 3000)), "v2");
            assertEquals(429, status(r.raw(concat(proxyV2(198, 51, 100, 1), register("a5", "")), 3000)));
            assertEquals(201, status(r.raw(register("a6", ""), 3000)), "no header from a trusted peer: the peer itself");
        }
    }

    @Test
    void proxyHeader_fromAnUntrustedPeer_closesTheConnection() throws Exception {
        try (RelayFixture r = RelayFixture.sqlite(dir, oneRegistrationPerAddress(List.of("10.0.0.0/8")))) {
            assertEquals(0, r.raw(concat(proxyV1("203.0.113.7"), register("a1", "")), 3000).length, "closed unanswered");
            assertEquals(0, r.raw(concat(proxyV2(1, 2, 3, 4), register("a1", "")), 3000).length);
            assertTrue(r.store.tokenHash("a1").isEmpty());
            assertEquals(201, status(r.raw(register("a1", ""), 3000)), "plain HTTP still works");
        }
    }

    @Test
    void forwardedFor_isBelievedOnlyFromATrustedProxy() throws Exception {
        Path trustedDir = Files.createDirectories(dir.resolve("t"));
        try (RelayFixture r = RelayFixture.sqlite(trustedDir, oneRegistrationPerAddress(List.of("127.0.0.1")))) {
            assertEquals(201, status(r.raw(register("b1", "X-Forwarded-For: 192.0.2.1\r\n"), 3000)));
            assertEquals(429, status(r.raw(register("b2", "X-Forwarded-For: 192.0.2.1\r\n"), 3000)));
            assertEquals(201, status(r.raw(register("b3", "X-Forwarded-For: 192.0.2.2\r\n"), 3000)));
            assertEquals(429, status(r.raw(register("b4", "X-Forwarded-For: 192.0.2.9, 192.0.2.2\r\n"), 3000)),
                    "what the client wrote itself (the left part) does not count");
        }
        Path untrustedDir = Files.createDirectories(dir.resolve("u"));
        try (RelayFixture r = RelayFixture.sqlite(untrustedDir, oneRegistrationPerAddress(List.of()))) {
            assertEquals(201, status(r.raw(register("c1", "X-Forwarded-For: 192.0.2.1\r\n"), 3000)));
            assertEquals(429, status(r.raw(register("c2", "X-Forwarded-For: 192.0.2.2\r\n"), 3000)),
                    "without a trusted proxy the header is ignored: both came from 127.0.0.1");
        }
    }
}
