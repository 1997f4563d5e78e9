package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.pad.RangeSet;

/**
 * Law 1 under kill -9: a child JVM seals in a loop and logs every issued package; the test kills
 * it with SIGKILL at random moments at least 50 times, restarts it, and proves that no pad range
 * was ever issued twice, that every issued package opens at the receiver exactly once, and that
 * the vault still opens.
 */
class CrashSafetyTest {
    private static final int KILLS = 50;

    @Test
    void sealAfterKill9_neverReusesPad(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(2024, 1024 * 1024);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        Path log = dir.resolve("issued.log");
        Random rnd = new Random(42);
        int kills = 0;
        while (kills < KILLS) {
            long logSize = Files.exists(log) ? Files.size(log) : 0;
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), SealLoopMain.class.getName(),
                    dir.toString(), log.toString())
                    .redirectErrorStream(true).start();
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null && !line.contains("READY")) {
                assertFalse(line.contains("Exception"), "child failed: " + line);
            }
            assertTrue(line != null, "child died before it was ready");
            // wait until it is sealing, then kill it at a random moment inside the loop
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((Files.exists(log) ? Files.size(log) : 0) == logSize && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            Thread.sleep(rnd.nextInt(40));
            p.destroyForcibly(); // SIGKILL on Linux
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, p.exitValue(), "child was not killed by SIGKILL");
            kills++;
        }
        // Every issued range is distinct, and every issued package opens at bob exactly once.
        List<String> lines = Files.readAllLines(log, StandardCharsets.US_ASCII);
        RangeSet issued = new RangeSet();
        int opened = 0;
        try (Vault bob = TestVaults.unlock(dir, "bob"); Vault alice = TestVaults.unlock(dir, "alice")) {
            for (String l : lines) {
                if (l.isBlank()) {
                    continue;
                }
                String[] f = l.split(" ");
                if (f.length != 3) {
                    continue; // a torn last line of the test's own log
                }
                long index = Long.parseLong(f[0]);
                long cost = Long.parseLong(f[1]);
                assertFalse(issued.overlaps(index, index + cost), "pad range issued twice at " + index);
                issued.add(index, index + cost);
                byte[] pkg = HexFormat.of().parseHex(f[2]);
                Opened o = bob.open("alice", pkg);
                assertTrue(new String(o.message(), StandardCharsets.UTF_8).startsWith("message "));
                opened++;
            }
            assertTrue(opened > KILLS, "too few seals to mean anything: " + opened);
            // the cursor is at or beyond everything ever issued, and sealing still works
            PadStats st = alice.stats("bob");
            assertTrue(16 + st.sendUsed() >= issued.max(), "cursor behind an issued range");
            Sealed s = alice.seal("bob", "after the storm".getBytes(), SealOptions.V2);
            assertTrue(s.index() >= issued.max());
            assertArrayEquals("after the storm".getBytes(), bob.open("alice", s.packageBytes()).message());
        }
    }
}
