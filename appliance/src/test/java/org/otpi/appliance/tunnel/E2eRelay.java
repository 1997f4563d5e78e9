package org.otpi.appliance.tunnel;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Third process of the end-to-end test: a UDP relay between the two tunnels that records the
 * header of every datagram it forwards (to prove no (direction, sequence) is ever sent twice),
 * and on "attack" (a line on stdin) plays the network attacker: replays, truncations, bit flips,
 * random datagrams, and datagrams from a foreign address. Prints "attack done N".
 *
 * <p>Args: sideA sideB listenForA listenForB foreignBind captureFile (addresses host:port).
 */
public final class E2eRelay {

    private static final int KEEP = 200;

    public static void main(String[] args) throws Exception {
        InetSocketAddress sideA = TunnelConfig.address(args[0]);
        InetSocketAddress sideB = TunnelConfig.address(args[1]);
        DatagramChannel facingA = DatagramChannel.open().bind(TunnelConfig.address(args[2]));
        DatagramChannel facingB = DatagramChannel.open().bind(TunnelConfig.address(args[3]));
        InetSocketAddress foreign = TunnelConfig.address(args[4]);
        for (DatagramChannel c : List.of(facingA, facingB)) {
            c.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 8 << 20);
            c.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 8 << 20);
        }
        DataOutputStream capture = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(args[5]), 1 << 16));
        ArrayDeque<byte[]> recentToA = new ArrayDeque<>();
        ArrayDeque<byte[]> recentToB = new ArrayDeque<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (capture) {
                try {
                    capture.flush();
                } catch (Exception e) {
                    // exiting
                }
            }
        }));
        Thread ab = new Thread(() -> forward(facingA, facingB, sideB, 0, capture, recentToB), "relay-a-b");
        Thread ba = new Thread(() -> forward(facingB, facingA, sideA, 1, capture, recentToA), "relay-b-a");
        ab.setDaemon(true);
        ba.setDaemon(true);
        ab.start();
        ba.start();
        System.out.println("relay ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("attack")) {
                int n = attack(facingA, facingB, foreign, sideA, sideB, snapshot(recentToA), snapshot(recentToB));
                System.out.println("attack done " + n);
            } else if (line.equals("flush")) {
                synchronized (capture) {
                    capture.flush();
                }
                System.out.println("flushed");
            }
        }
    }

    private static List<byte[]> snapshot(ArrayDeque<byte[]> q) {
        synchronized (q) {
            return new ArrayList<>(q);
        }
    }

    private static void forward(DatagramChannel from, DatagramChannel out, InetSocketAddress to, int tag,
            DataOutputStream capture, ArrayDeque<byte[]> recent) {
        ByteBuffer buf = ByteBuffer.allocateDirect(65536);
        byte[] head = new byte[32];
        try {
            while (true) {
                buf.clear();
                from.receive(buf);
                buf.flip();
                int len = buf.remaining();
                if (len >= 32) {
                    buf.get(buf.position(), head);
                    synchronized (capture) {
                        capture.writeByte(tag);
                        capture.writeShort(len);
                        capture.write(head);
                    }
                }
                if (len >= 48 && recent.size() < Integer.MAX_VALUE) {
                    byte[] copy = new byte[len];
                    buf.get(buf.position(), copy);
                    synchronized (recent) {
                        recent.addLast(copy);
                        while (recent.size() > KEEP) {
                            recent.removeFirst();
                        }
                    }
                }
                out.send(buf, to);
            }
        } catch (Exception e) {
            System.out.println("relay stopped: " + e);
        }
    }

    private static int attack(DatagramChannel facingA, DatagramChannel facingB, InetSocketAddress foreignBind,
            InetSocketAddress sideA, InetSocketAddress sideB, List<byte[]> toA, List<byte[]> toB) throws Exception {
        Random r = new Random(1234);
        int n = 0;
        try (DatagramChannel foreign = DatagramChannel.open().bind(foreignBind)) {
            for (int round = 0; round < 2; round++) {
                DatagramChannel via = round == 0 ? facingA : facingB;
                InetSocketAddress target = round == 0 ? sideA : sideB;
                List<byte[]> seen = round == 0 ? toA : toB;
                for (byte[] d : seen) {
                    via.send(ByteBuffer.wrap(d), target);                                  // replay
                    via.send(ByteBuffer.wrap(d, 0, r.nextInt(d.length)), target);          // truncated
                    byte[] f = d.clone();
                    f[8 + r.nextInt(f.length - 8)] ^= (byte) (1 << r.nextInt(8));
                    via.send(ByteBuffer.wrap(f), target);                                  // bit flip
                    byte[] junk = new byte[1 + r.nextInt(1400)];
                    r.nextBytes(junk);
                    via.send(ByteBuffer.wrap(junk), target);                               // random
                    foreign.send(ByteBuffer.wrap(d), target);                              // foreign source
                    n += 5;
                }
            }
        }
        return n;
    }
}
