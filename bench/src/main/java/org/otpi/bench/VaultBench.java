package org.otpi.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Arrays;
import java.util.Random;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;

/**
 * Vault benchmarks (issue 2): seal latency with the durable cursor, file sealing throughput next
 * to a raw baseline measured in the same run, and unlock time. Not a test: prints figures.
 *
 * <pre>bench/run VaultBench [fileMiB=256] [seals=2000] [rounds=3]</pre>
 */
public final class VaultBench {
    public static void main(String[] args) throws Exception {
        int fileMiB = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int seals = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path root = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "bench/target")).toAbsolutePath(), "vault-bench");
        try {
            run(root, fileMiB, seals, rounds);
        } finally {
            deleteTree(root);
        }
    }

    static void run(Path root, int fileMiB, int seals, int rounds) throws Exception {
        char[] pin = "bench-pin".toCharArray();
        Path medium = root.resolve("medium");
        Path state = root.resolve("state");
        long fileBytes = fileMiB * 1024L * 1024;
        long padSize = 2L * rounds * fileBytes + 8L * 1024 * 1024; // a message pad sends from one half
        System.out.printf("OTPi vault benchmark  (JDK %s, %d cores)%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());

        // --- unlock time with the shipped Argon2id parameters
        Vault.create(medium, state, "alice", pin, Argon2id.VAULT_DEFAULT, VaultPolicy.DEFAULT).close();
        long[] unlock = new long[5];
        for (int i = 0; i < unlock.length; i++) {
            long t = System.nanoTime();
            Vault.unlock(medium, state, pin, VaultPolicy.DEFAULT, Clock.systemUTC()).close();
            unlock[i] = System.nanoTime() - t;
        }
        Arrays.sort(unlock);
        System.out.printf("unlock (Argon2id m=%d MiB t=%d p=%d): median %.0f ms, min %.0f ms%n",
                Argon2id.VAULT_DEFAULT.memoryKiB() / 1024, Argon2id.VAULT_DEFAULT.iterations(),
                Argon2id.VAULT_DEFAULT.parallelism(), unlock[2] / 1e6, unlock[0] / 1e6);

        try (Vault v = Vault.unlock(medium, state, pin, VaultPolicy.DEFAULT, Clock.systemUTC())) {
            Path rawPad = root.resolve("raw.pad");
            writeRandom(rawPad, padSize);
            long t0 = System.nanoTime();
            try (InputStream in = new BufferedInputStream(Files.newInputStream(rawPad), 1 << 20)) {
                v.importPad("bob", "bob", in, padSize, "imported", "message", null);
            }
            System.out.printf("import of a %d MiB pad: %.1f MB/s%n", padSize >> 20, padSize / ((System.nanoTime() - t0) / 1e9) / 1e6);

            settle();
            // --- seal latency, 100-byte messages, durable cursor (journal + high-water mark + destroy, fsync'd)
            byte[] m = new byte[100];
            for (int i = 0; i < 200; i++) {
                v.seal("bob", m, SealOptions.V2); // warm-up
            }
            long[] lat = new long[seals];
            long start = System.nanoTime();
            for (int i = 0; i < seals; i++) {
                long t = System.nanoTime();
                v.seal("bob", m, SealOptions.V2);
                lat[i] = System.nanoTime() - t;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            Arrays.sort(lat);
            System.out.printf("seal 100 B (v2): p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.0f seals/s%n",
                    lat[seals / 2] / 1e6, lat[seals * 99 / 100] / 1e6, lat[seals - 1] / 1e6, seals / secs);
            long fsync = fsyncBaseline(root.resolve("fsync.tmp"));
            System.out.printf("  baseline in this run: one append+fsync p50 %.2f ms (a seal does 4)%n", fsync / 1e6);

            // --- file sealing throughput vs raw baseline
            Path input = root.resolve("input.bin");
            writeRandom(input, fileBytes);
            settle();
            // The disk's speed here swings 2-3x from one minute to the next (other machines share
            // it), so the three are alternated for several rounds and the ratios are per round.
            double[] ratios = new double[rounds];
            double[] ratiosDestroy = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                double raw = rawRound(rawPad, input, root, fileBytes, false);
                double rawDestroy = rawRound(rawPad, input, root, fileBytes, true);
                double vault = vaultRound(v, input, root, fileBytes);
                ratios[r] = vault / raw;
                ratiosDestroy[r] = vault / rawDestroy;
                System.out.printf("file seal %d MiB, round %d: vault %.1f MB/s; raw baseline (read pad + XOR + write +"
                        + " fsync) %.1f MB/s, ratio %.2f; raw that also overwrites the pad it used (as the vault must)"
                        + " %.1f MB/s, ratio %.2f%n", fileMiB, r + 1, vault, raw, ratios[r], rawDestroy, ratiosDestroy[r]);
            }
            System.out.printf("file seal %d MiB, median of %d rounds: ratio %.2f to the raw baseline, %.2f to the one"
                    + " that also overwrites%n", fileMiB, rounds, median(ratios), median(ratiosDestroy));
        }
    }

    static double rawRound(Path rawPad, Path input, Path root, long n, boolean destroy) throws Exception {
        Path pad = rawPad;
        if (destroy) {
            pad = root.resolve("used.pad"); // a copy: the vault's pad is not overwritten by a baseline
            Files.copy(rawPad, pad);
        }
        Path out = root.resolve("raw.out");
        settle();
        try {
            return rawBaseline(pad, input, out, n, destroy);
        } finally {
            Files.delete(out);
            if (destroy) {
                Files.delete(pad);
            }
        }
    }

    static double vaultRound(Vault v, Path input, Path root, long n) throws Exception {
        Path sealed = root.resolve("sealed.out");
        settle();
        long t = System.nanoTime();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(input), 1 << 20);
             FileChannel outCh = FileChannel.open(sealed, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(outCh), 1 << 20)) {
            v.sealFile("bob", in, n, out);
            out.flush();
            outCh.force(true);
        }
        double mbs = n / ((System.nanoTime() - t) / 1e9) / 1e6;
        Files.delete(sealed);
        return mbs;
    }

    static double median(double[] a) {
        double[] b = a.clone();
        Arrays.sort(b);
        return b.length % 2 == 1 ? b[b.length / 2] : (b[b.length / 2 - 1] + b[b.length / 2]) / 2;
    }

    /** Lets the previous phase's writeback finish, so its flushes do not land in the next figures. */
    static void settle() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        Thread.sleep(2000);
    }

    /**
     * Read pad + read input + XOR + write + fsync, in 1 MiB steps; with {@code destroy}, each pad
     * step is also overwritten with zeros in place and the pad file fsync'd at the end.
     */
    static double rawBaseline(Path pad, Path input, Path out, long n, boolean destroy) throws IOException {
        long t = System.nanoTime();
        try (FileChannel p = destroy ? FileChannel.open(pad, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(pad);
             FileChannel in = FileChannel.open(input);
             FileChannel o = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer a = ByteBuffer.allocate(1 << 20);
            ByteBuffer b = ByteBuffer.allocate(1 << 20);
            p.position(16);
            long left = n;
            while (left > 0) {
                int k = (int) Math.min(a.capacity(), left);
                a.clear().limit(k);
                b.clear().limit(k);
                long at = p.position();
                while (a.hasRemaining()) {
                    p.read(a);
                }
                while (b.hasRemaining()) {
                    in.read(b);
                }
                byte[] x = a.array();
                byte[] y = b.array();
                for (int i = 0; i < k; i++) {
                    y[i] ^= x[i];
                }
                b.flip();
                while (b.hasRemaining()) {
                    o.write(b);
                }
                if (destroy) {
                    Arrays.fill(x, 0, k, (byte) 0);
                    a.flip();
                    while (a.hasRemaining()) {
                        at += p.write(a, at);
                    }
                }
                left -= k;
            }
            o.force(true);
            if (destroy) {
                p.force(false);
            }
        }
        return n / ((System.nanoTime() - t) / 1e9) / 1e6;
    }

    static long fsyncBaseline(Path f) throws IOException {
        long[] t = new long[200];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            for (int i = 0; i < t.length; i++) {
                long s = System.nanoTime();
                ch.write(ByteBuffer.allocate(300));
                ch.force(false);
                t[i] = System.nanoTime() - s;
            }
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    static void writeRandom(Path p, long n) throws IOException {
        Random r = new Random(new SecureRandom().nextLong()); // bench data, not a real pad
        byte[] buf = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(p)) {
            for (long left = n; left > 0; left -= buf.length) {
                r.nextBytes(buf);
                o.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
