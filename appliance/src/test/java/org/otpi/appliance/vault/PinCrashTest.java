package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.crypto.Argon2id;

/**
 * A crash is not a wrong PIN (a Pi in a brown-out loop must not wipe itself), and killing the
 * process after a wrong guess gives no free guess. Real child JVMs, killed with SIGKILL.
 */
class PinCrashTest {
    /** Slow enough that a kill lands inside the attempt: about half a second here. */
    private static final Argon2id SLOW = new Argon2id(64 * 1024, 2, 1);

    @Test
    void tenKillsDuringRightPinUnlocks_theNextRightPinUnlocks(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("m");
        Path state = dir.resolve("s");
        Vault.create(medium, state, "alice", TestVaults.PIN, SLOW, UnlockMain.NO_DELAYS).close();
        int kills = 0;
        for (int tries = 0; kills < 10 && tries < 40; tries++) {
            String before = pinState(state);
            Path log = dir.resolve("child" + tries + ".out");
            Process p = child(medium, state, new String(TestVaults.PIN), log);
            waitFor(p, log, "BEGIN");
            // kill as soon as the attempt is recorded as begun: inside Argon2id
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pinState(state).equals(before) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            String out = Files.readString(log);
            if (!out.contains("RESULT")) {
                kills++;
            }
        }
        assertEquals(10, kills, "could not kill ten attempts mid-way");
        String s = Files.readString(state.resolve(PinGuard.FILE));
        assertTrue(s.contains(" 0 ") && s.contains(" 10 "), "interrupted attempts recorded, no failures: " + s);
        try (Vault v = Vault.unlock(medium, state, TestVaults.PIN, UnlockMain.NO_DELAYS, Clock.systemUTC())) {
            assertEquals("alice", v.deviceId());
        }
    }

    @Test
    void killedAfterAWrongGuess_theGuessWasCountedBeforeItShowed(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("m");
        Path state = dir.resolve("s");
        Vault.create(medium, state, "alice", TestVaults.PIN, SLOW, UnlockMain.NO_DELAYS).close();
        String vaultId = java.util.HexFormat.of().formatHex(VaultHeader.read(medium).vaultId);
        Random rnd = new Random(9);
        // one attempt run to its end tells how long an attempt takes on this (busy) machine
        Path first = dir.resolve("calibrate.out");
        Process c = child(medium, state, "0000", first);
        waitFor(c, first, "BEGIN");
        long t0 = System.nanoTime();
        waitFor(c, first, "RESULT");
        int attemptMillis = (int) ((System.nanoTime() - t0) / 1_000_000);
        c.waitFor(30, TimeUnit.SECONDS);
        int revealed = 1;
        // kills spread from the attempt's start to twice its length (with jitter), so some land
        // before the result and some after it (eight rounds: with the calibration, one short of
        // the wipe at ten)
        for (int i = 0; i < 8; i++) {
            Path log = dir.resolve("child" + i + ".out");
            Process p = child(medium, state, "0000", log);
            waitFor(p, log, "BEGIN");
            int spread = i * attemptMillis / 4;
            Thread.sleep(spread + rnd.nextInt(attemptMillis / 4 + 1));
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            String out = Files.readString(log);
            if (out.contains("RESULT WRONG_PIN")) {
                revealed++;
            }
            assertFalse(out.contains("RESULT OK"));
            assertTrue(failures(state, vaultId) >= revealed,
                    "a wrong guess showed before it was counted: " + revealed + " shown, " + failures(state, vaultId)
                            + " counted");
        }
        assertTrue(revealed > 1, "no killed attempt ran to its end: the test proves nothing");
    }

    private static int failures(Path state, String vaultId) throws IOException {
        for (String line : pinState(state).split("\n")) {
            if (line.startsWith(vaultId + " ")) {
                return Integer.parseInt(line.split(" ")[1]);
            }
        }
        return 0;
    }

    private static String pinState(Path state) throws IOException {
        Path f = state.resolve(PinGuard.FILE);
        return Files.exists(f) ? Files.readString(f) : "";
    }

    private static Process child(Path medium, Path state, String pin, Path log) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                UnlockMain.class.getName(), medium.toString(), state.toString(), pin)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void waitFor(Process p, Path log, String word) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log) && Files.readString(log).contains(word)) {
                return;
            }
            if (!p.isAlive()) {
                if (Files.readString(log).contains(word)) {
                    return;
                }
                throw new AssertionError("child ended before " + word + ": " + Files.readString(log));
            }
            Thread.sleep(2);
        }
        throw new AssertionError("child never said " + word);
    }
}
