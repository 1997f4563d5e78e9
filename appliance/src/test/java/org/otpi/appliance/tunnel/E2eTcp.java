package org.otpi.appliance.tunnel;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;

/**
 * TCP source and sink for the end-to-end test, run inside the namespaces.
 * {@code sink HOST PORT}: accepts one connection, reads to EOF, prints "sink BYTES SHA256".
 * {@code source HOST PORT BYTES SEED}: sends BYTES of seeded pseudo-random data, prints
 * "source BYTES SHA256 MILLIS".
 */
public final class E2eTcp {

    public static void main(String[] args) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (args[0].equals("sink")) {
            try (ServerSocket ss = new ServerSocket()) {
                ss.setReceiveBufferSize(4 << 20);
                ss.bind(new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2])));
                System.out.println("sink listening");
                try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[1 << 16];
                    long total = 0;
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        sha.update(buf, 0, n);
                        total += n;
                    }
                    System.out.println("sink " + total + " " + HexFormat.of().formatHex(sha.digest()));
                }
            }
        } else {
            long bytes = Long.parseLong(args[3]);
            Random r = new Random(Long.parseLong(args[4]));
            long start = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setSendBufferSize(4 << 20);
                s.connect(new InetSocketAddress(InetAddress.getByName(args[1]), Integer.parseInt(args[2])), 10_000);
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[1 << 16];
                long left = bytes;
                while (left > 0) {
                    r.nextBytes(buf);
                    int n = (int) Math.min(buf.length, left);
                    out.write(buf, 0, n);
                    sha.update(buf, 0, n);
                    left -= n;
                }
                out.flush();
                s.shutdownOutput();
                s.getInputStream().read(); // wait for the sink to close: everything arrived
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("source " + bytes + " " + HexFormat.of().formatHex(sha.digest()) + " " + ms);
        }
    }
}
