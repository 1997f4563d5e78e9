package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TunnelConfigAndTimersTest {

    @Test
    void shippedExampleConfig_parses() throws Exception {
        TunnelConfig c = TunnelConfig.load(Path.of("src/main/dist/systemd/site-link.conf.example"));
        assertEquals(Role.INITIATOR, c.role());
        assertEquals(new InetSocketAddress("169.254.10.3", 51820), c.peerAddress());
        assertEquals(1420, c.tunMtu());
        assertTrue(c.handshake());
        assertEquals(AeadEngine.best().name(), c.aead().name());
        assertTrue(c.offload());
        assertEquals(8, c.identityId().length);
    }

    @Test
    void minimalConfig_defaults_andBadValuesRefused() throws Exception {
        Properties p = new Properties();
        p.setProperty("role", "responder");
        p.setProperty("peer.address", "10.1.1.1:9");
        p.setProperty("tun.address", "10.0.0.2/24");
        p.setProperty("key.file", "/k");
        p.setProperty("state.dir", "/s");
        p.setProperty("identity.id", "00112233445566AA");
        p.setProperty("peer.allow", "0011223344556677, 8899aabbccddeeff");
        p.setProperty("handshake", "off");
        TunnelConfig c = TunnelConfig.from(p);
        assertEquals("00112233445566aa", HexFormat.of().formatHex(c.identityId()));
        assertEquals(Set.of("0011223344556677", "8899aabbccddeeff"), c.peerAllow());
        assertEquals(new InetSocketAddress("0.0.0.0", 51820), c.localAddress());
        assertEquals(false, c.handshake());
        assertEquals(AeadEngine.best().name(), c.aead().name(), "aead defaults to the process's best engine");
        assertTrue(c.offload(), "offloads on by default");
        assertEquals(0, c.threads(), "the event-loop data path by default");
        p.setProperty("aead", "bouncycastle");
        p.setProperty("offload", "off");
        c = TunnelConfig.from(p);
        assertEquals("bouncycastle", c.aead().name());
        assertEquals(false, c.offload());
        p.setProperty("aead", "rot13");
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.from(p));
        p.setProperty("aead", "jdk");
        p.setProperty("offload", "maybe");
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.from(p));
        p.setProperty("offload", "auto");
        p.setProperty("role", "both");
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.from(p));
        p.setProperty("role", "initiator");
        p.setProperty("identity.id", "xyz");
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.from(p));
        p.remove("identity.id");
        p.remove("peer.address");
        assertThrows(IllegalArgumentException.class, () -> TunnelConfig.from(p));
    }

    @Test
    void timers_keepaliveAfterIdle_handshakeRetriedUntilDone_thenRenewed_statsPeriodic() {
        AtomicLong now = new AtomicLong(1_000_000);
        TunnelTimers t = new TunnelTimers(now::get, 10_000, 1_000, 120_000, 10_000);
        TunnelTimers.Due d = t.tick(true, true);
        assertTrue(d.handshake());
        t.onHandshakeSent();
        now.addAndGet(500);
        assertEquals(false, t.tick(true, true).handshake(), "retry too early");
        now.addAndGet(600);
        assertTrue(t.tick(true, true).handshake(), "retry after 1 s");
        t.onHandshakeSent();
        t.onHandshakeComplete();
        now.addAndGet(5_000);
        d = t.tick(true, true);
        assertEquals(false, d.handshake());
        assertEquals(false, d.keepalive());
        now.addAndGet(5_000);
        d = t.tick(true, true);
        assertTrue(d.keepalive(), "idle 10 s");
        assertTrue(d.stats());
        assertEquals(false, t.tick(true, true).stats(), "stats marked done");
        t.onDataSent();
        now.addAndGet(9_000);
        assertEquals(false, t.tick(true, true).keepalive());
        assertEquals(false, t.tick(true, false).keepalive(), "keepalive disabled");
        now.addAndGet(120_000);
        assertTrue(t.tick(true, true).handshake(), "periodic re-handshake");
        assertEquals(false, t.tick(false, true).handshake(), "handshake disabled");
    }
}
