package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otpi.relay.store.StoredMessage;

class ChaosProxyTest {

    private static List<StoredMessage> batch(long from, int n) {
        List<StoredMessage> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[40];
            b[0] = (byte) i;
            out.add(new StoredMessage(from + i, "alice", "bob", Base64.getEncoder().encodeToString(b), 1));
        }
        return out;
    }

    @Test
    void off_changesNothing() {
        ChaosProxy p = new ChaosProxy(ChaosProxy.Settings.parse("seed=1"));
        List<StoredMessage> in = batch(1, 50);
        assertEquals(in, p.filter("bob", in));
    }

    @Test
    void everyKindOfMischief_happensAndIsAccountedFor() {
        ChaosProxy p = new ChaosProxy(ChaosProxy.Settings.parse("seed=7,drop=0.1,corrupt=0.1,duplicate=0.1,reorder=0.5,replay=0.2"));
        Map<Long, StoredMessage> original = new HashMap<>();
        List<StoredMessage> delivered = new ArrayList<>();
        for (int b = 0; b < 100; b++) {
            List<StoredMessage> in = batch(1 + b * 10L, 10);
            in.forEach(m -> original.put(m.ref(), m));
            delivered.addAll(p.filter("bob", in));
        }
        ChaosProxy.Stats s = p.stats();
        assertTrue(s.dropped().size() > 50 && s.dropped().size() < 150, "about 10% dropped: " + s.dropped().size());
        assertTrue(s.corrupted().size() > 40, "corrupted: " + s.corrupted().size());
        assertTrue(s.duplicated().size() > 40);
        assertTrue(s.replayed().size() > 5);
        assertTrue(s.reorderedBatches() > 20);
        assertEquals(delivered.size(), s.delivered());
        for (StoredMessage m : delivered) {
            assertFalse(s.dropped().contains(m.ref()), "a dropped ref is never delivered");
            StoredMessage o = original.get(m.ref());
            if (s.corrupted().contains(m.ref())) {
                byte[] x = Base64.getDecoder().decode(m.contents());
                byte[] y = Base64.getDecoder().decode(o.contents());
                int bits = 0;
                for (int i = 0; i < x.length; i++) {
                    bits += Integer.bitCount((x[i] ^ y[i]) & 0xff);
                }
                assertEquals(1, bits, "exactly one bit flipped");
                assertTrue(p.corruptsRef(m.ref()));
            } else {
                assertEquals(o, m, "other packages arrive intact");
                assertFalse(p.corruptsRef(m.ref()));
            }
        }
        for (long dropped : s.dropped()) {
            assertTrue(p.dropsRef(dropped));
        }
    }

    @Test
    void sameSeed_sameDecisions_differentSeed_differentDecisions() {
        String spec = "drop=0.2,corrupt=0.2,duplicate=0.2,reorder=0.5,replay=0.2";
        ChaosProxy a = new ChaosProxy(ChaosProxy.Settings.parse("seed=3," + spec));
        ChaosProxy b = new ChaosProxy(ChaosProxy.Settings.parse("seed=3," + spec));
        ChaosProxy c = new ChaosProxy(ChaosProxy.Settings.parse("seed=4," + spec));
        List<StoredMessage> outA = new ArrayList<>();
        List<StoredMessage> outB = new ArrayList<>();
        List<StoredMessage> outC = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            outA.addAll(a.filter("bob", batch(1 + i * 5L, 5)));
            outB.addAll(b.filter("bob", batch(1 + i * 5L, 5)));
            outC.addAll(c.filter("bob", batch(1 + i * 5L, 5)));
        }
        assertEquals(outA, outB);
        assertNotEquals(outA, outC);
    }

    @Test
    void redelivery_ofTheSameRef_getsTheSameFate() {
        ChaosProxy p = new ChaosProxy(ChaosProxy.Settings.parse("seed=11,drop=0.3,corrupt=0.3"));
        List<StoredMessage> in = batch(1, 30);
        List<StoredMessage> first = p.filter("bob", in);
        List<StoredMessage> again = p.filter("bob", in);
        assertEquals(first, again);
    }

    @Test
    void throughARealRelay_fetchSeesTheMischiefButTheStoreKeepsIntactCopies(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        ChaosProxy chaos = new ChaosProxy(ChaosProxy.Settings.parse("seed=5,drop=0.1,corrupt=0.1,duplicate=0.1"));
        try (RelayFixture relay = RelayFixture.sqlite(dir, RelayFixture.testConfig().deliveryFilter(chaos))) {
            org.otpi.bridge.relay.RelayClient anon = org.otpi.bridge.relay.RelayClient.builder(relay.uri()).build();
            org.otpi.bridge.relay.RelayClient alice = anon.withToken(anon.register("alice"));
            org.otpi.bridge.relay.RelayClient bob = anon.withToken(anon.register("bob"));
            Map<Long, String> sent = new HashMap<>();
            for (int i = 0; i < 200; i++) {
                String pkg = Base64.getEncoder().encodeToString(("package " + i).getBytes());
                sent.put(alice.send("bob", pkg), pkg);
            }
            Map<Long, Integer> seen = new HashMap<>();
            long next = 0;
            while (true) {
                org.otpi.bridge.relay.FetchResult r = bob.fetch(next, 37);
                if (r.nextRef() == next) {
                    break;
                }
                next = r.nextRef();
                for (org.otpi.bridge.relay.RelayMessage m : r.messages()) {
                    seen.merge(m.ref(), 1, Integer::sum);
                    assertEquals(chaos.corruptsRef(m.ref()), !sent.get(m.ref()).equals(m.contents()));
                }
            }
            ChaosProxy.Stats s = chaos.stats();
            assertFalse(s.dropped().isEmpty());
            assertFalse(s.corrupted().isEmpty());
            for (long ref : sent.keySet()) {
                int expected = s.dropped().contains(ref) ? 0 : s.duplicated().contains(ref) ? 2 : 1;
                assertEquals(expected, seen.getOrDefault(ref, 0), "ref " + ref);
            }
            assertEquals(200, relay.store.queued("bob"), "the store itself is untouched");
        }
    }

    @Test
    void settings_areValidated() {
        assertThrows(IllegalArgumentException.class, () -> ChaosProxy.Settings.parse("drop=1.5"));
        assertThrows(IllegalArgumentException.class, () -> ChaosProxy.Settings.parse("explode=0.1"));
        assertThrows(IllegalArgumentException.class, () -> ChaosProxy.Settings.parse("drop"));
    }
}
