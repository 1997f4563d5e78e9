package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * UDP GSO on send and GRO on receive through real sockets on 127.0.0.1, and the fallbacks: each
 * datagram arrives whole, once, in order, whether the sender uses GSO or not and the receiver GRO
 * or not.
 */
class UdpOffloadTest {

    @Test
    void gsoRun_equalSizes_shorterLastEndsTheRun_capsAtSegmentsAndBytes() {
        TxBatch b = new TxBatch(ByteBuffer.allocate(1 << 20), 256);
        int[] sizes = {1000, 1000, 1000, 400, 1000, 1000, 1200, 100};
        for (int s : sizes) {
            b.add(s - TxBatch.OVERHEAD);
        }
        assertEquals(4, NettyUdp.gsoRun(b, 0, b.count, 65507), "three equal, then a shorter one ends it");
        assertEquals(2, NettyUdp.gsoRun(b, 4, b.count, 65507), "a longer one cannot follow");
        assertEquals(2, NettyUdp.gsoRun(b, 6, b.count, 65507), "1200 then a shorter 100");
        assertEquals(1, NettyUdp.gsoRun(b, 7, b.count, 65507));
        assertEquals(2, NettyUdp.gsoRun(b, 0, b.count, 2500), "byte cap");
        TxBatch many = new TxBatch(ByteBuffer.allocate(1 << 20), 256);
        for (int i = 0; i < 100; i++) {
            many.add(100);
        }
        assertEquals(NettyUdp.GSO_MAX_SEGMENTS, NettyUdp.gsoRun(many, 0, many.count, 65507));
    }

    @Test
    void gsoSendGroReceive_everyDatagramWholeOnceInOrder() throws Exception {
        roundTrip(true, true, true);
    }

    @Test
    void fallback_noGso_noGro_sameDatagrams() throws Exception {
        roundTrip(false, false, false);
    }

    @Test
    void gsoSender_plainReceiver_andPlainSender_groReceiver() throws Exception {
        roundTrip(true, false, true);
        roundTrip(false, true, false);
    }

    @Test
    void gsoRefusedByTheKernel_switchesOff_andTheRefusedDatagramsGoOneByOne() throws Exception {
        // SO_NO_CHECK makes the kernel refuse UDP_SEGMENT sends (EINVAL), as a device without
        // checksum offload does with EIO on kernels before 6.3: the first GSO send fails, and its
        // datagrams are sent again one by one (after those already queued behind it).
        List<Boolean> gsoAfter = new ArrayList<>(List.of());
        roundTrip(true, true, true, false, tx -> NettyUdp.Sockopt.setsockopt(tx.fd(), 1, 11, new int[] {1}, 4),
                gsoAfter);
        assertEquals(List.of(false), gsoAfter, "GSO switched off after the refusal");
    }

    private static void roundTrip(boolean sendOffload, boolean recvOffload, boolean expectGso) throws Exception {
        List<Boolean> gsoAfter = new ArrayList<>();
        roundTrip(sendOffload, recvOffload, expectGso, true, tx -> { }, gsoAfter);
        assertEquals(List.of(expectGso), gsoAfter, "GSO still on when it worked");
    }

    private static void roundTrip(boolean sendOffload, boolean recvOffload, boolean expectGso, boolean ordered,
            java.util.function.Consumer<NettyUdp> prepare, List<Boolean> gsoAfter) throws Exception {
        assumeTrue(NettyUdp.epoll(), "epoll transport");
        List<byte[]> got = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger batches = new AtomicInteger();
        NettyUdp rx = new NettyUdp(new InetSocketAddress("127.0.0.1", 0), 1, 1500, recvOffload);
        NettyUdp tx = new NettyUdp(new InetSocketAddress("127.0.0.1", 0), 1, 1500, sendOffload);
        try {
            rx.start(new Udp.Receiver() {
                @Override
                public void onDatagram(InetSocketAddress from, byte[] data, int offset, int length) {
                    got.add(java.util.Arrays.copyOfRange(data, offset, offset + length));
                }

                @Override
                public void onBatchEnd() {
                    batches.incrementAndGet();
                }
            });
            tx.start((from, data, offset, length) -> { });
            prepare.accept(tx);
            assertEquals(recvOffload, rx.gro(), "GRO on this kernel (Linux 5.0+) when asked for");
            Random r = new Random(42);
            List<byte[]> sent = new ArrayList<>();
            // TSO-like runs (equal sizes, a shorter tail), ACK-sized ones, a lone big one
            int[] plan = new int[200];
            for (int i = 0; i < plan.length; i++) {
                plan[i] = i < 90 ? 1468 : i == 90 ? 700 : i < 150 ? 88 : i < 199 ? 1468 : 1200;
            }
            InetSocketAddress to = rx.localAddress();
            int i = 0;
            while (i < plan.length) {
                int from = i;
                ByteBuf[] arena = new ByteBuf[1];
                TxBatch batch = new TxBatch(ByteBuffer.allocate(0), 256);
                tx.runInLoop(() -> {
                    arena[0] = tx.alloc(128 * 1024);
                    batch.reset(arena[0].nioBuffer(0, 128 * 1024));
                });
                while (i < plan.length && batch.hasRoom(1, plan[i])) {
                    byte[] d = new byte[plan[i]];
                    r.nextBytes(d);
                    int at = batch.add(plan[i] - TxBatch.OVERHEAD) - ProtocolConstants.HEADER_SIZE;
                    batch.buf.put(at, d);
                    sent.add(d);
                    i++;
                }
                int n = i - from;
                tx.runInLoop(() -> {
                    tx.sendBatchInLoop(to, arena[0], batch, n);
                    tx.flushInLoop();
                });
                Thread.sleep(20); // loopback has no pacing: keep the receive buffer from overflowing
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (got.size() < sent.size() && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertEquals(sent.size(), got.size(), "datagrams received: " + got.stream().map(g -> g.length).toList());
            if (ordered) {
                for (int k = 0; k < sent.size(); k++) {
                    assertArrayEquals(sent.get(k), got.get(k), "datagram " + k);
                }
            }
            // each datagram exactly once (after a refused GSO send, the refused ones come later)
            List<String> a = new ArrayList<>(sent.stream().map(java.util.HexFormat.of()::formatHex).toList());
            List<String> b = new ArrayList<>(got.stream().map(java.util.HexFormat.of()::formatHex).toList());
            Collections.sort(a);
            Collections.sort(b);
            assertEquals(a, b, "the same datagrams, each once");
            assertEquals(expectGso, tx.gsoSends() > 0, "GSO sends");
            gsoAfter.add(tx.gso());
            assertTrue(batches.get() > 0);
        } finally {
            tx.close();
            rx.close();
        }
    }
}
