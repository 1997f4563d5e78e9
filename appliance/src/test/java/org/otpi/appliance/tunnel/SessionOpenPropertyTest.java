package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded property test of the receive path: genuine datagrams (reordered within the window,
 * duplicated) and mutated ones (any byte flipped, truncated, extended, spliced) interleaved.
 * Properties: open never throws; every OK is a genuine datagram seen for the first time and
 * returns its exact payload; every mutation that changes the bytes is rejected; each genuine
 * datagram is accepted at most once.
 */
class SessionOpenPropertyTest {

    @TempDir
    Path tmp;

    @Test
    void openAcceptsExactlyTheGenuineFirstCopies() throws Exception {
        byte[] material = TestKeys.material(30, 31);
        for (long seed = 1; seed <= 5; seed++) {
            Random r = new Random(seed);
            try (InMemorySlotStore sa = new InMemorySlotStore(material);
                 InMemorySlotStore sb = new InMemorySlotStore(material);
                 SequenceState a = SequenceState.open(tmp.resolve("a" + seed));
                 SequenceState b = SequenceState.open(tmp.resolve("b" + seed))) {
                TunnelSession tx = new TunnelSession(Role.RESPONDER, sa, a, AeadEngine.named("bouncycastle"), new TunnelStats(), 30);
                TunnelSession rx = new TunnelSession(Role.INITIATOR, sb, b, AeadEngine.best(), new TunnelStats(), 30);
                List<byte[]> payloads = new ArrayList<>();
                List<byte[]> genuine = new ArrayList<>();
                for (int i = 0; i < 6000; i++) {
                    byte[] p = new byte[r.nextInt(200)];
                    r.nextBytes(p);
                    payloads.add(p);
                    genuine.add(tx.seal(p, 0, p.length));
                }
                java.util.Map<java.nio.ByteBuffer, Integer> index = new java.util.HashMap<>();
                for (int i = 0; i < genuine.size(); i++) {
                    index.put(java.nio.ByteBuffer.wrap(genuine.get(i)), i);
                }
                Set<Integer> accepted = new HashSet<>();
                int cursor = 0;
                for (int step = 0; step < 30_000; step++) {
                    int k = Math.min(genuine.size() - 1, Math.max(0, cursor - r.nextInt(300)));
                    byte[] g = genuine.get(k);
                    int kind = r.nextInt(10);
                    byte[] d;
                    boolean mutated = true;
                    if (kind < 4) {
                        d = g.clone();
                        mutated = false;
                        cursor = Math.min(genuine.size() - 1, cursor + 1);
                    } else if (kind < 7) {
                        d = g.clone();
                        d[r.nextInt(d.length)] ^= (byte) (1 + r.nextInt(255));
                    } else if (kind < 8) {
                        d = java.util.Arrays.copyOf(g, r.nextInt(g.length));
                    } else if (kind < 9) {
                        d = java.util.Arrays.copyOf(g, g.length + 1 + r.nextInt(10));
                    } else {
                        byte[] other = genuine.get(r.nextInt(genuine.size()));
                        d = g.clone();
                        int cut = r.nextInt(Math.min(d.length, other.length));
                        System.arraycopy(other, cut, d, cut, Math.min(d.length, other.length) - cut);
                    }
                    // a splice can rebuild another genuine datagram exactly: that one is genuine
                    Integer same = index.get(java.nio.ByteBuffer.wrap(d));
                    if (same != null) {
                        mutated = false;
                        k = same;
                    }
                    TunnelSession.Opened o = rx.open(d, 0, d.length);
                    if (o.verdict() == TunnelSession.Verdict.OK) {
                        if (mutated) {
                            StringBuilder diff = new StringBuilder();
                            for (int i = 0; i < Math.max(d.length, g.length); i++) {
                                if (i >= d.length || i >= g.length || d[i] != g[i]) {
                                    diff.append(i).append(' ');
                                }
                            }
                            throw new AssertionError("seed " + seed + " step " + step + " kind " + kind + " k " + k
                                    + " len " + d.length + "/" + g.length + " diff at " + diff);
                        }
                        assertEquals(true, accepted.add(k), "seed " + seed + ": datagram " + k + " accepted twice");
                        assertArrayEquals(payloads.get(k), o.packet());
                    } else if (!mutated) {
                        assertNotEquals(TunnelSession.Verdict.AUTH_FAILED, o.verdict(), "genuine datagram failed auth");
                    }
                }
                tx.close();
                rx.close();
            }
        }
    }
}
