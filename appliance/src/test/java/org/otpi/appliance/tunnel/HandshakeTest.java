package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandshakeTest {

    private static final byte[] MATERIAL = TestKeys.material(4, 77);
    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.9", 5000);

    @TempDir
    Path tmp;

    private SequenceState sa;
    private SequenceState sb;

    @AfterEach
    void close() throws Exception {
        if (sa != null) {
            sa.close();
            sb.close();
        }
    }

    private record End(Handshake hs, TunnelSession session, TunnelStats stats) {
    }

    private End end(Role role, byte[] material, int idByte, Set<String> allow, SequenceState st) throws Exception {
        InMemorySlotStore store = new InMemorySlotStore(material);
        TunnelStats stats = new TunnelStats();
        TunnelSession s = new TunnelSession(role, store, st, AeadEngine.best(), stats, 3);
        byte[] key;
        try (SlotSecret last = store.read(3)) {
            key = Handshake.deriveKey(last);
        }
        byte[] id = new byte[8];
        id[7] = (byte) idByte;
        return new End(new Handshake(key, role, id, allow, s, stats, new SecureRandom(), System::currentTimeMillis), s,
                stats);
    }

    private void open() throws Exception {
        sa = SequenceState.open(tmp.resolve("a"));
        sb = SequenceState.open(tmp.resolve("b"));
    }

    @Test
    void helloKey_isHkdfSha256OfTheLastSlot() throws Exception {
        byte[] ikm = Arrays.copyOfRange(MATERIAL, 360, 480);
        Mac h = Mac.getInstance("HmacSHA256");
        h.init(new SecretKeySpec("otpi-tunnel/v1".getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
        byte[] prk = h.doFinal(ikm);                                   // RFC 5869 extract
        h.init(new SecretKeySpec(prk, "HmacSHA256"));
        h.update("hello".getBytes(StandardCharsets.US_ASCII));
        h.update((byte) 1);
        byte[] okm = h.doFinal();                                       // expand, one block
        try (SlotSecret s = SlotSecret.copyOf(MATERIAL, 360)) {
            assertArrayEquals(okm, Handshake.deriveKey(s));
        }
    }

    @Test
    void helloWelcome_completes_andMovesSenderToPeersFloor() throws Exception {
        open();
        sb.reserveRx(54_321); // B restarted: it accepts nothing below 54321
        End a = end(Role.INITIATOR, MATERIAL, 1, Set.of("0000000000000002"), sa);
        End b = end(Role.RESPONDER, MATERIAL, 2, Set.of("0000000000000001"), sb);
        byte[] hello = a.hs().newHello();
        Handshake.Outcome ob = b.hs().onMessage(FROM, hello, 0, hello.length, FROM);
        assertEquals(Handshake.SIZE, ob.reply().length);
        assertEquals(Handshake.WELCOME, ob.reply()[5]);
        assertArrayEquals(Arrays.copyOfRange(hello, 8, 24), Arrays.copyOfRange(ob.reply(), 8, 24), "nonce echoed");
        Handshake.Outcome oa = a.hs().onMessage(FROM, ob.reply(), 0, ob.reply().length, FROM);
        assertTrue(oa.completed());
        assertEquals(FROM, oa.verifiedEndpoint());
        assertEquals(54_321, a.session().txNext());
        // the same WELCOME again is stale: no second completion
        Handshake.Outcome again = a.hs().onMessage(FROM, ob.reply(), 0, ob.reply().length, FROM);
        assertTrue(!again.completed());
        assertEquals(1, a.stats().replays());
    }

    @Test
    void rejects_wrongKey_notAllowed_sameRole_tampered_wrongLength() throws Exception {
        open();
        End a = end(Role.INITIATOR, MATERIAL, 1, Set.of(), sa);
        End b = end(Role.RESPONDER, MATERIAL, 2, Set.of("00000000000000ff"), sb);
        byte[] hello = a.hs().newHello();
        assertNull(b.hs().onMessage(FROM, hello, 0, hello.length, FROM).reply(), "identity not in allowlist");
        assertEquals(1, b.stats().authFailures());

        byte[] other = TestKeys.material(4, 78);
        try (SequenceState sc = SequenceState.open(tmp.resolve("c"))) {
            End stranger = end(Role.INITIATOR, other, 1, Set.of(), sc);
            End open = end(Role.RESPONDER, MATERIAL, 2, Set.of(), SequenceState.open(tmp.resolve("d")));
            byte[] h2 = stranger.hs().newHello();
            assertNull(open.hs().onMessage(FROM, h2, 0, h2.length, FROM).reply(), "wrong key material");
            assertEquals(1, open.stats().authFailures());
            byte[] good = a.hs().newHello();
            byte[] tampered = good.clone();
            tampered[50] ^= 1; // resume-from field
            assertNull(open.hs().onMessage(FROM, tampered, 0, tampered.length, FROM).reply());
            assertEquals(2, open.stats().authFailures());
            assertNull(open.hs().onMessage(FROM, good, 0, 95, FROM).reply());
            End sameRole = end(Role.RESPONDER, MATERIAL, 3, Set.of(), sc);
            byte[] fromResponder = sameRole.hs().newHello();
            assertNull(open.hs().onMessage(FROM, fromResponder, 0, fromResponder.length, FROM).reply());
            assertEquals(2, open.stats().malformed());
            assertTrue(open.hs().onMessage(FROM, good, 0, good.length, FROM).reply() != null, "the genuine HELLO");
        }
    }
}
