package org.otpi.bench.tunnel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.otpi.appliance.tunnel.AeadEngine;
import org.otpi.appliance.tunnel.InMemorySlotStore;
import org.otpi.appliance.tunnel.Role;
import org.otpi.appliance.tunnel.SequenceState;
import org.otpi.appliance.tunnel.TunnelSession;
import org.otpi.appliance.tunnel.TunnelStats;

/**
 * The tunnel's packet layer on one core: seal and open of 1400-byte packets through
 * {@link TunnelSession} (header, sequence reservation with fsync every 10,000 packets, slot
 * rotation, replay window, AEAD) with the JDK cipher and with Bouncy Castle, next to the bare
 * Bouncy Castle ChaCha20-Poly1305 primitive on the same sizes (the baseline of this run).
 *
 * <pre>
 * ./mvnw -q -B -o -pl bench -am package -DskipTests
 * java -cp "bench/target/otpi-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.otpi.bench.tunnel.TunnelCryptoBench [seconds] [rounds]
 * </pre>
 */
public final class TunnelCryptoBench {

    private static final int PACKET = 1400;
    private static final int BATCH = 20_000;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3.0;
        System.out.printf(Locale.ROOT, "java %s, %d cores, %d-byte packets, %.1f s per figure%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), PACKET, seconds);
        // The machine is shared: alternate the candidates over several rounds and keep each one's best.
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        bareBouncyCastle(seconds / 3);                 // warm-up
        for (AeadEngine engine : AeadEngine.values()) {
            session(engine, seconds / 3);             // warm-up
        }
        double base = 0;
        double[][] best = new double[AeadEngine.values().length][3];
        for (int round = 0; round < rounds; round++) {
            base = Math.max(base, bareBouncyCastle(seconds));
            for (AeadEngine engine : AeadEngine.values()) {
                double[] r = session(engine, seconds);
                for (int k = 0; k < 3; k++) {
                    best[engine.ordinal()][k] = Math.max(best[engine.ordinal()][k], r[k]);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%-34s %10.0f pkt/s %8.1f MB/s  (baseline)%n", "bare BC ChaCha20Poly1305 seal",
                base, base * PACKET / 1e6);
        for (AeadEngine engine : AeadEngine.values()) {
            double[] r = best[engine.ordinal()];
            System.out.printf(Locale.ROOT, "%-34s %10.0f pkt/s %8.1f MB/s  x%.2f baseline%n",
                    "session seal " + engine, r[0], r[0] * PACKET / 1e6, r[0] / base);
            System.out.printf(Locale.ROOT, "%-34s %10.0f pkt/s %8.1f MB/s  x%.2f baseline%n",
                    "session open " + engine, r[1], r[1] * PACKET / 1e6, r[1] / base);
            System.out.printf(Locale.ROOT, "%-34s %10.0f pkt/s %8.1f MB/s%n",
                    "session seal+open " + engine, r[2], r[2] * PACKET / 1e6);
        }
        openssl();
    }

    /** {@code openssl speed} at 1024 bytes, for scale (skipped if openssl is missing). */
    private static void openssl() {
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-evp", "chacha20-poly1305", "-bytes", "1024",
                    "-seconds", "2").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            for (String line : out.split("\n")) {
                if (line.toLowerCase(Locale.ROOT).startsWith("chacha20-poly1305")) {
                    System.out.println("openssl speed (1024-byte blocks, kB/s): " + line.trim());
                }
            }
        } catch (Exception e) {
            System.out.println("openssl speed unavailable: " + e.getMessage());
        }
    }

    private static double bareBouncyCastle(double seconds) {
        byte[] key = new byte[32];
        byte[] nonce = new byte[12];
        byte[] aad = new byte[32];
        byte[] in = new byte[PACKET];
        byte[] out = new byte[PACKET + 16];
        new SecureRandom().nextBytes(key);
        ChaCha20Poly1305 c = new ChaCha20Poly1305();
        KeyParameter kp = new KeyParameter(key);
        long n = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 1000; i++) {
                nonce[11] = (byte) n;
                nonce[10] = (byte) (n >>> 8);
                nonce[9] = (byte) (n >>> 16);
                c.init(true, new AEADParameters(kp, 128, nonce, aad));
                int k = c.processBytes(in, 0, in.length, out, 0);
                try {
                    c.doFinal(out, k);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                n++;
            }
        }
        return n / ((System.nanoTime() - start) / 1e9);
    }

    /** Returns {seal pkt/s, open pkt/s, combined pkt/s}. */
    private static double[] session(AeadEngine engine, double seconds) throws Exception {
        byte[] material = new byte[100_000 * 120];
        new SecureRandom().nextBytes(material);
        Path dir = Files.createTempDirectory("otpi-bench");
        byte[] packet = new byte[PACKET];
        long sealNanos = 0;
        long openNanos = 0;
        long count = 0;
        try (InMemorySlotStore a = new InMemorySlotStore(material);
             InMemorySlotStore b = new InMemorySlotStore(material);
             SequenceState sa = SequenceState.open(dir.resolve("a"));
             SequenceState sb = SequenceState.open(dir.resolve("b"))) {
            TunnelSession init = new TunnelSession(Role.INITIATOR, a, sa, engine, new TunnelStats(), a.slotCount());
            TunnelSession resp = new TunnelSession(Role.RESPONDER, b, sb, engine, new TunnelStats(), b.slotCount());
            byte[][] batch = new byte[BATCH][];
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                for (int i = 0; i < BATCH; i++) {
                    batch[i] = init.seal(packet, 0, PACKET);
                }
                long t1 = System.nanoTime();
                for (int i = 0; i < BATCH; i++) {
                    if (resp.open(batch[i], 0, batch[i].length).verdict() != TunnelSession.Verdict.OK) {
                        throw new IllegalStateException("open failed");
                    }
                }
                long t2 = System.nanoTime();
                sealNanos += t1 - t0;
                openNanos += t2 - t1;
                count += BATCH;
            }
            init.close();
            resp.close();
        } finally {
            try (var w = Files.walk(dir)) {
                w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return new double[] {count / (sealNanos / 1e9), count / (openNanos / 1e9), count / ((sealNanos + openNanos) / 1e9)};
    }
}
