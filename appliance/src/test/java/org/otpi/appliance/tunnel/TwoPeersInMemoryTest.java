package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two peers in one JVM over the fake TUN and UDP: pings both ways, attacks, restarts, roaming. */
class TwoPeersInMemoryTest {

    private static final InetSocketAddress A = FakeNetwork.addr("192.0.2.1", 51820);
    private static final InetSocketAddress B = FakeNetwork.addr("192.0.2.2", 51820);
    private static final byte[] MATERIAL = TestKeys.material(64, 99);

    @TempDir
    Path tmp;

    private final FakeNetwork net = new FakeNetwork();
    private final Set<AutoCloseable> open = new HashSet<>();

    private record Side(TunnelPeer peer, FakeTun tun, SequenceState state, InMemorySlotStore store) {
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private Side start(Role role, InetSocketAddress local, InetSocketAddress peer, boolean withHandshake, String stateName,
            long rehandshakeMillis) throws Exception {
        return start(role, local, peer, withHandshake, stateName, rehandshakeMillis, 2);
    }

    private Side start(Role role, InetSocketAddress local, InetSocketAddress peer, boolean withHandshake, String stateName,
            long rehandshakeMillis, int cryptoThreads) throws Exception {
        InMemorySlotStore store = new InMemorySlotStore(MATERIAL);
        SequenceState state = SequenceState.open(tmp.resolve(stateName));
        long dataSlots = withHandshake ? store.slotCount() - 1 : store.slotCount();
        TunnelSession session = new TunnelSession(role, store, state, AeadEngine.best(), new TunnelStats(), dataSlots);
        Handshake hs = null;
        if (withHandshake) {
            byte[] key;
            try (SlotSecret last = store.read(store.slotCount() - 1)) {
                key = Handshake.deriveKey(last);
            }
            byte[] id = new byte[8];
            id[7] = (byte) (role == Role.INITIATOR ? 1 : 2);
            hs = new Handshake(key, role, id, Set.of(), session, session.stats(), new SecureRandom(),
                    System::currentTimeMillis);
        }
        FakeTun tun = new FakeTun(role.name());
        TunnelPeer p = new TunnelPeer(session, tun, net.bind(local), peer, hs,
                new TunnelPeer.Options(cryptoThreads, true, 500, 60_000, rehandshakeMillis));
        p.start();
        Side s = new Side(p, tun, state, store);
        open.add(store);
        open.add(state);
        open.add(p); // closed first (set order is irrelevant: closing twice is a no-op for all)
        return s;
    }

    private static void stop(Side s) throws Exception {
        s.peer().close();
        s.state().close();
    }

    /** A 28-byte IPv4 ICMP echo packet, tagged with a counter so each one is distinct. */
    static byte[] icmp(int type, int id, String src, String dst) {
        byte[] p = new byte[28];
        p[0] = 0x45;
        p[3] = 28;
        p[8] = 64;
        p[9] = 1;
        System.arraycopy(ip(src), 0, p, 12, 4);
        System.arraycopy(ip(dst), 0, p, 16, 4);
        p[20] = (byte) type;
        p[24] = (byte) (id >>> 8);
        p[25] = (byte) id;
        return p;
    }

    private static byte[] ip(String s) {
        String[] parts = s.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(parts[i]);
        }
        return b;
    }

    private static void pingBothWays(Side a, Side b, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            byte[] req = icmp(8, i, "10.0.0.1", "10.0.0.2");
            a.tun().fromKernel.add(req);
            byte[] got = b.tun().toKernel.poll(5, TimeUnit.SECONDS);
            assertNotNull(got, "echo request " + i + " lost");
            assertArrayEquals(req, got);
            byte[] rep = icmp(0, i, "10.0.0.2", "10.0.0.1");
            b.tun().fromKernel.add(rep);
            byte[] back = a.tun().toKernel.poll(5, TimeUnit.SECONDS);
            assertNotNull(back, "echo reply " + i + " lost");
            assertArrayEquals(rep, back);
        }
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void pingBothWays_notesDataPath_noHandshake() throws Exception {
        Side a = start(Role.INITIATOR, A, B, false, "a", 120_000);
        Side b = start(Role.RESPONDER, B, A, false, "b", 120_000);
        pingBothWays(a, b, 200);
        assertEquals(200, a.peer().stats().txPackets());
        assertEquals(200, b.peer().stats().rxPackets());
        assertEquals(0, a.peer().stats().authFailures() + b.peer().stats().authFailures());
        // every datagram on the wire is a DATA packet of the note
        for (FakeNetwork.Datagram d : net.tap) {
            assertTrue(WireFormat.isData(d.bytes(), 0, d.bytes().length));
        }
    }

    @Test
    void burstOfPackets_arrivesComplete_andInOrder_pipelinedAndInline() throws Exception {
        for (int threads : new int[] {0, 3}) {
            InetSocketAddress a = FakeNetwork.addr("192.0.2.1", 1000 + threads);
            InetSocketAddress b = FakeNetwork.addr("192.0.2.2", 1000 + threads);
            Side sa = start(Role.INITIATOR, a, b, false, "oa" + threads, 120_000, threads);
            Side sb = start(Role.RESPONDER, b, a, false, "ob" + threads, 120_000, threads);
            for (int i = 0; i < 3000; i++) {
                sa.tun().fromKernel.add(icmp(8, i, "10.0.0.1", "10.0.0.2"));
            }
            // The fake delivers synchronously, so the pipelined receiver may shed load (counted);
            // what arrives must be in order, without duplicates, and inline must lose nothing.
            int last = -1;
            int received = 0;
            while (received + sb.peer().stats().queueDrops() < 3000) {
                byte[] got = sb.tun().toKernel.poll(10, TimeUnit.SECONDS);
                assertNotNull(got, "packets lost (threads " + threads + "): received " + received + ", shed "
                        + sb.peer().stats().queueDrops());
                int id = ((got[24] & 0xff) << 8) | (got[25] & 0xff);
                assertTrue(id > last, "order (threads " + threads + "): " + id + " after " + last);
                last = id;
                received++;
            }
            if (threads == 0) {
                assertEquals(3000, received);
            }
            assertTrue(received >= 1000, "received only " + received);
            stop(sa);
            stop(sb);
        }
    }

    @Test
    void attacks_replayedTruncatedFlippedRandomForeign_allRejectedAndCounted_trafficStillFlows() throws Exception {
        Side a = start(Role.INITIATOR, A, B, true, "a", 120_000);
        Side b = start(Role.RESPONDER, B, A, true, "b", 120_000);
        await(() -> a.peer().handshakeDone() && b.peer().handshakeDone(), "handshake");
        pingBothWays(a, b, 20);
        TunnelStats sb = b.peer().stats();
        long rx0 = sb.rxPackets();
        Random r = new Random(5);
        var toB = net.tap.stream().filter(d -> d.to().equals(B) && WireFormat.isData(d.bytes(), 0, d.bytes().length))
                .toList();
        int replays = 0;
        for (FakeNetwork.Datagram d : toB) {
            net.inject(A, B, d.bytes());
            replays++;
        }
        for (FakeNetwork.Datagram d : toB) {
            net.inject(A, B, java.util.Arrays.copyOf(d.bytes(), r.nextInt(d.bytes().length)));
        }
        int flips = 0;
        for (FakeNetwork.Datagram d : toB) {
            for (int k = 0; k < 5; k++) {
                byte[] f = d.bytes().clone();
                int pos = 8 + r.nextInt(f.length - 8); // tag, sequence, ciphertext, Poly1305 tag
                f[pos] ^= (byte) (1 << r.nextInt(8));
                net.inject(A, B, f);
                flips++;
            }
        }
        for (int k = 0; k < 200; k++) {
            byte[] junk = new byte[r.nextInt(1500)];
            r.nextBytes(junk);
            net.inject(A, B, junk);
        }
        for (FakeNetwork.Datagram d : toB) {
            net.inject(FakeNetwork.addr("198.51.100.7", 51820), B, d.bytes());
        }
        assertNull(b.tun().toKernel.poll(200, TimeUnit.MILLISECONDS), "an attack packet reached the TUN");
        assertEquals(rx0, sb.rxPackets());
        assertTrue(sb.replays() >= replays, "replays " + sb.replays());
        assertTrue(sb.authFailures() + sb.replays() >= replays + flips - 0, "flips not all rejected");
        assertTrue(sb.malformed() >= 1, "truncated/random not counted");
        assertEquals(toB.size(), sb.foreignSource());
        pingBothWays(a, b, 20);
    }

    @Test
    void restartedReceiver_withoutHandshake_dropsUntilPeerPassesFloor_withHandshake_resumesAtOnce() throws Exception {
        Side a = start(Role.INITIATOR, A, B, true, "a", 120_000);
        Side b = start(Role.RESPONDER, B, A, true, "b", 120_000);
        await(() -> a.peer().handshakeDone() && b.peer().handshakeDone(), "handshake");
        pingBothWays(a, b, 30);
        stop(b);
        Side b2 = start(Role.RESPONDER, B, A, true, "b", 120_000); // same state: a restart
        await(b2.peer()::handshakeDone, "handshake after restart");
        pingBothWays(a, b2, 30);
        // b2's floor is above everything it accepted before: the old datagrams are all refused
        long before = b2.peer().stats().rxPackets();
        for (FakeNetwork.Datagram d : net.tap) {
            if (d.to().equals(B) && WireFormat.isData(d.bytes(), 0, d.bytes().length)
                    && WireFormat.sequence(d.bytes(), 0) < ProtocolConstants.SEQUENCE_RESERVATION) {
                net.inject(A, B, d.bytes());
            }
        }
        assertEquals(before, b2.peer().stats().rxPackets());
        assertNull(b2.tun().toKernel.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void restartedReceiver_withoutHandshake_losesPacketsBelowFloor() throws Exception {
        Side a = start(Role.INITIATOR, A, B, false, "a", 120_000);
        Side b = start(Role.RESPONDER, B, A, false, "b", 120_000);
        pingBothWays(a, b, 5);
        stop(b);
        Side b2 = start(Role.RESPONDER, B, A, false, "b", 120_000);
        a.tun().fromKernel.add(icmp(8, 1, "10.0.0.1", "10.0.0.2"));
        assertNull(b2.tun().toKernel.poll(300, TimeUnit.MILLISECONDS), "a restarted receiver accepted below its floor");
        assertEquals(1, b2.peer().stats().replays());
    }

    @Test
    void peerAddressChange_isFollowedOnlyAfterVerifiedHandshake() throws Exception {
        Side a = start(Role.INITIATOR, A, B, true, "a", 120_000);
        Side b = start(Role.RESPONDER, B, A, true, "b", 300);
        await(() -> a.peer().handshakeDone() && b.peer().handshakeDone(), "handshake");
        pingBothWays(a, b, 5);
        InetSocketAddress moved = FakeNetwork.addr("203.0.113.9", 40000);
        // a forged HELLO replayed from elsewhere must not move the endpoint
        byte[] oldHello = net.tap.stream().filter(d -> d.from().equals(B) && Handshake.isHandshake(d.bytes(), 0, 96)
                && d.bytes()[5] == Handshake.HELLO).findFirst().orElseThrow().bytes();
        net.inject(FakeNetwork.addr("198.51.100.66", 1), A, oldHello);
        Thread.sleep(100);
        assertEquals(B, a.peer().endpoint());
        net.roam(B, moved);
        await(() -> a.peer().endpoint().equals(moved), "endpoint update");
        pingBothWays(a, b, 5);
    }
}
