package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who the client is, as a numbered vector table: peer, PROXY source, X-Forwarded-For, expected address. */
class TrustedProxiesTest {
    private static final TrustedProxies LB = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.10", "fd00::/8"));

    private record Vector(int id, String peer, String proxied, List<String> xff, String expected) {
    }

    private static final Vector[] VECTORS = {
        new Vector(1, "203.0.113.5", null, List.of(), "203.0.113.5"),
        new Vector(2, "203.0.113.5", null, List.of("1.2.3.4"), "203.0.113.5"),               // untrusted peer: header ignored
        new Vector(3, "10.1.2.3", null, List.of("1.2.3.4"), "1.2.3.4"),                      // trusted proxy
        new Vector(4, "10.1.2.3", null, List.of("6.6.6.6, 1.2.3.4"), "1.2.3.4"),             // client-written prefix ignored
        new Vector(5, "10.1.2.3", null, List.of("6.6.6.6, 1.2.3.4, 10.9.9.9"), "1.2.3.4"),   // two proxies
        new Vector(6, "10.1.2.3", null, List.of("6.6.6.6", "1.2.3.4"), "1.2.3.4"),           // two header lines
        new Vector(7, "10.1.2.3", null, List.of("10.2.2.2, 10.3.3.3"), "10.2.2.2"),           // all trusted: leftmost
        new Vector(8, "10.1.2.3", null, List.of("garbage"), "10.1.2.3"),                     // garbage: the proxy itself
        new Vector(9, "10.1.2.3", null, List.of("1.2.3.4:5678"), "1.2.3.4"),                 // port dropped
        new Vector(10, "10.1.2.3", null, List.of("[2001:db8::1]:443"), "2001:db8:0:0:0:0:0:1"),
        new Vector(11, "10.1.2.3", null, List.of("2001:db8::1"), "2001:db8:0:0:0:0:0:1"),
        new Vector(12, "10.1.2.3", null, List.of("example.com"), "10.1.2.3"),                // names are never resolved
        new Vector(13, "10.1.2.3", null, List.of("999.1.1.1"), "10.1.2.3"),
        new Vector(14, "10.1.2.3", "198.51.100.7", List.of("1.2.3.4"), "198.51.100.7"),      // PROXY source is not a proxy: XFF ignored
        new Vector(15, "10.1.2.3", "10.7.7.7", List.of("1.2.3.4"), "1.2.3.4"),               // PROXY source is a proxy: XFF read
        new Vector(16, "192.168.1.10", null, List.of("1.2.3.4"), "1.2.3.4"),
        new Vector(17, "192.168.1.11", null, List.of("1.2.3.4"), "192.168.1.11"),            // /32 means one address
        new Vector(18, "fd12::1", null, List.of("1.2.3.4"), "1.2.3.4"),
        new Vector(19, "fe80::1", null, List.of("1.2.3.4"), "fe80:0:0:0:0:0:0:1"),
    };

    @Test
    void vectors() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Vector v : VECTORS) {
            InetAddress peer = InetAddress.getByName(v.peer);
            InetAddress proxied = v.proxied == null ? null : InetAddress.getByName(v.proxied);
            String got = LB.clientAddress(peer, proxied, v.xff);
            if (!v.expected.equals(got)) {
                failures.add("#" + v.id + ": expected " + v.expected + ", got " + got);
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void literal_acceptsOnlyIpLiterals() {
        assertNull(TrustedProxies.literal("localhost"));
        assertNull(TrustedProxies.literal("1.2.3"));
        assertNull(TrustedProxies.literal("1.2.3.4.5"));
        assertNull(TrustedProxies.literal(""));
        assertEquals("1.2.3.4", TrustedProxies.literal(" 1.2.3.4 ").getHostAddress());
    }

    @Test
    void badEntries_areRefusedAtStart() {
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("proxy.example")));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("10.0.0.0/33")));
        assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("10.0.0.0/x")));
        assertThrows(IllegalArgumentException.class, () -> RelayConfig.builder().trustedProxies(List.of("nope")).build());
    }
}
