package org.otpi.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.vault.TestVaults;

/**
 * Law 6 to the end: the real daemon ({@code otpi-appliance serve}) in a child JVM, unlocked, is
 * stopped with SIGTERM as systemd stops it; the last line of its security log file is
 * "vault locked". (TinyLog's own shutdown hook used to close the file before ours wrote it.)
 */
class SecurityLogToTheEndTest {

    @Test
    void sigterm_vaultLockedIsTheLastLineOfTheSecurityLog(@TempDir Path dir) throws Exception {
        TestVaults.create(dir, "alice").close();
        Path pin = dir.resolve("pin");
        Files.writeString(pin, new String(TestVaults.PIN) + "\n");
        Path logs = dir.resolve("logs");
        for (int round = 1; round <= 2; round++) {
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-cp", classpath(), ApplianceMain.class.getName(), "serve",
                    "--vault", dir.resolve("alice-medium").toString(), "--state", dir.resolve("alice-state").toString(),
                    "--port", "0", "--approve=deny", "--pin-file", pin.toString(), "--log-dir", logs.toString(),
                    "--hrng", dir.resolve("no-hrng").toString(), "--no-feed")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("out-" + round + ".txt").toFile()).start();
            try {
                Path out = dir.resolve("out-" + round + ".txt");
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!Files.readString(out).contains("device RPC on") && p.isAlive() && System.nanoTime() < end) {
                    Thread.sleep(50);
                }
                assertTrue(Files.readString(out).contains("device RPC on"), () -> "daemon did not come up: " + read(out));
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "daemon stopped on SIGTERM");
            } finally {
                p.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(logs.resolve(LogSetup.SECURITY_LOG), StandardCharsets.UTF_8)
                    .stream().filter(l -> !l.isBlank()).toList();
            assertEquals(round, lines.stream().filter(l -> l.endsWith("vault unlocked")).count(), lines::toString);
            assertTrue(lines.get(lines.size() - 1).endsWith("vault locked"),
                    "round " + round + ": the last line says the vault was locked: " + lines);
            assertEquals(round, lines.stream().filter(l -> l.endsWith("vault locked")).count(), lines::toString);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }
}
