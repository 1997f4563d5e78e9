package org.otpi.bench.tunnel;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.otpi.appliance.crypto.ChaChaEngine;
import org.otpi.appliance.crypto.ChaChaEngines;
import org.otpi.appliance.tunnel.AeadEngine;
import org.otpi.appliance.tunnel.InMemorySlotStore;
import org.otpi.appliance.tunnel.Role;
import org.otpi.appliance.tunnel.SequenceState;
import org.otpi.appliance.tunnel.TunnelBench;
import org.otpi.appliance.tunnel.TunnelSession;
import org.otpi.appliance.tunnel.TunnelStats;

/**
 * The tunnel's packet layer on one core, next to {@code openssl speed -evp chacha20-poly1305}
 * run by this harness in the same run: seal and open of 1400-byte packets through
 * {@link TunnelSession} (header, sequence reservation with fsync every 10,000 packets, slot
 * rotation, replay window, AEAD) on every engine that works here, both the batch path the
 * running tunnel uses (in place, direct buffers) and the one-packet byte[] path; and each
 * engine's bare AEAD on the same sizes (no session).
 *
 * <pre>
 * ./mvnw -q -B -o -pl bench -am package -DskipTests
 * java -cp "bench/target/classes:bench/target/lib/*" org.otpi.bench.tunnel.TunnelCryptoBench [seconds] [rounds]
 * </pre>
 *
 * Figures are MB/s of packet bytes per second of this thread's CPU time (openssl speed also
 * divides by CPU time by default), so a loaded machine does not skew the ratio. "seal+open" is
 * the rate at which one core both seals and opens every packet (each byte is encrypted once and
 * decrypted once); openssl speed measures encryption only.
 */
public final class TunnelCryptoBench {

    private static final int PACKET = 1400;

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.printf(Locale.ROOT, "java %s, %d cores, %d-byte packets, %.1f s per figure, best of %d rounds%n",
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), PACKET, seconds, rounds);
        List<AeadEngine> engines = AeadEngine.available();
        List<ChaChaEngine> bare = ChaChaEngines.available();
        // warm-up
        for (AeadEngine e : engines) {
            TunnelBench.batch(session(e, Role.INITIATOR), session(e, Role.RESPONDER), PACKET, seconds / 2);
        }
        double[][] best = new double[engines.size()][6];
        double[] bareBest = new double[bare.size()];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < engines.size(); i++) {
                AeadEngine e = engines.get(i);
                double[] b = TunnelBench.batch(session(e, Role.INITIATOR), session(e, Role.RESPONDER), PACKET, seconds);
                double[] a = TunnelBench.arrays(session(e, Role.INITIATOR), session(e, Role.RESPONDER), PACKET, seconds);
                for (int k = 0; k < 3; k++) {
                    best[i][k] = Math.max(best[i][k], b[k]);
                    best[i][3 + k] = Math.max(best[i][3 + k], a[k]);
                }
            }
            for (int i = 0; i < bare.size(); i++) {
                bareBest[i] = Math.max(bareBest[i], bareSeal(bare.get(i), seconds));
            }
        }
        double[] ssl = openssl();
        System.out.printf(Locale.ROOT, "%-42s %9s %9s %11s   %s%n", "MB/s, one core", "seal", "open", "seal+open",
                "seal+open vs openssl 1024 / 16384");
        for (int i = 0; i < engines.size(); i++) {
            String n = engines.get(i).name();
            row("session batch (in place), " + n, best[i][0], best[i][1], best[i][2], ssl);
            row("session byte[] (one by one), " + n, best[i][3], best[i][4], best[i][5], ssl);
        }
        for (int i = 0; i < bare.size(); i++) {
            System.out.printf(Locale.ROOT, "%-42s %9.0f%n", "bare AEAD seal, " + bare.get(i).name(), bareBest[i]);
        }
        System.out.printf(Locale.ROOT, "openssl speed -evp chacha20-poly1305: %.0f MB/s at 1024 B, %.0f MB/s at 16384 B%n",
                ssl[0], ssl[1]);
    }

    private static void row(String label, double seal, double open, double both, double[] ssl) {
        System.out.printf(Locale.ROOT, "%-42s %9.0f %9.0f %11.0f   %.2fx / %.2fx%n", label, seal, open, both,
                ssl[0] > 0 ? both / ssl[0] : 0, ssl[1] > 0 ? both / ssl[1] : 0);
    }

    private static final List<Path> DIRS = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> DIRS.forEach(TunnelCryptoBench::delete)));
    }

    private static final byte[] MATERIAL = new byte[200_000 * 120];

    static {
        new SecureRandom().nextBytes(MATERIAL);
    }

    private static TunnelSession session(AeadEngine engine, Role role) throws Exception {
        Path dir = Files.createTempDirectory("otpi-bench");
        DIRS.add(dir);
        InMemorySlotStore store = new InMemorySlotStore(MATERIAL);
        return new TunnelSession(role, store, SequenceState.open(dir), engine, new TunnelStats(), store.slotCount());
    }

    private static void delete(Path dir) {
        try (var w = Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception e) {
            // best effort
        }
    }

    /** The engine's own seal on direct buffers, MB/s. */
    private static double bareSeal(ChaChaEngine e, double seconds) {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        ByteBuffer aad = ByteBuffer.allocateDirect(32);
        ByteBuffer in = ByteBuffer.allocateDirect(PACKET);
        ByteBuffer out = ByteBuffer.allocateDirect(PACKET + 16);
        byte[] nonce = new byte[12];
        long n = 0;
        try (ChaChaEngine.Key k = e.key(raw)) {
            long start = TunnelBench.cpuNanos();
            long end = start + (long) (seconds * 1e9);
            while (TunnelBench.cpuNanos() < end) {
                for (int i = 0; i < 1000; i++) {
                    nonce[11] = (byte) n;
                    nonce[10] = (byte) (n >>> 8);
                    nonce[9] = (byte) (n >>> 16);
                    e.seal(k, nonce, aad.clear(), in.clear(), out.clear());
                    n++;
                }
            }
            return n * (double) PACKET / ((TunnelBench.cpuNanos() - start) / 1e9) / 1e6;
        }
    }

    /** {@code openssl speed} at 1024 and 16384 bytes, MB/s; zeros if openssl is missing. */
    private static double[] openssl() {
        double[] r = new double[2];
        try {
            Process p = new ProcessBuilder("openssl", "speed", "-evp", "chacha20-poly1305", "-bytes", "1024",
                    "-seconds", "2").redirectErrorStream(true).start();
            String a = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            p = new ProcessBuilder("openssl", "speed", "-evp", "chacha20-poly1305", "-bytes", "16384",
                    "-seconds", "2").redirectErrorStream(true).start();
            String b = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            r[0] = kbPerSecond(a) * 1000 / 1e6;
            r[1] = kbPerSecond(b) * 1000 / 1e6;
        } catch (Exception e) {
            System.out.println("openssl speed unavailable: " + e.getMessage());
        }
        return r;
    }

    private static double kbPerSecond(String out) {
        for (String line : out.split("\n")) {
            String l = line.trim().toLowerCase(Locale.ROOT);
            if (l.startsWith("chacha20-poly1305")) {
                String[] f = l.split("\\s+");
                return Double.parseDouble(f[f.length - 1].replace("k", ""));
            }
        }
        return 0;
    }
}
