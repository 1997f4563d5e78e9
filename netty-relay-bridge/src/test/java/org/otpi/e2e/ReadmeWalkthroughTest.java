package org.otpi.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough, scripted end to end with every part real: {@code bin/otpi-emulate}
 * (the relay and two appliance processes with real vaults and the default demo pad) and
 * {@code bin/otpi} processes for the two laptops. Pair with the code as the device shows it
 * (grouped), register on the relay, send, inbox, history, status, chat with live receive, and a
 * 5 MB file both ways. The scripts run with this test's class path ({@code OTPI_CLASSPATH}) and
 * {@code --no-build}; ports are free ones, the emulation directory a temp dir.
 */
class ReadmeWalkthroughTest {
    private static final Pattern CODE = Pattern.compile("\\[(alice|bob)\\]\\s+code: (\\d{4} \\d{4})");
    private static final long FILE = 5L * 1000 * 1000;

    @Test
    void readmeWalkthrough_endToEnd_withRealDevicesAndRelay(@TempDir Path dir) throws Exception {
        Path repo = repoRoot();
        int relayPort = freePort(1);
        int port = freePort(2);
        String relay = "http://127.0.0.1:" + relayPort;
        long t0 = System.nanoTime();
        Proc emulation = Proc.start(repo, dir, List.of(repo.resolve("bin/otpi-emulate").toString(), "--no-build",
                "--dir", dir.resolve("emu").toString(), "--relay-port", String.valueOf(relayPort), "--port", String.valueOf(port)));
        try {
            emulation.await("device RPC on /127.0.0.1:" + port, 120);
            emulation.await("device RPC on /127.0.0.1:" + (port + 1), 60);
            emulation.await("listening on " + relay, 30);
            step(t0, "emulation ready");
            assertTrue(emulation.output().contains("demo PIN         1234"), emulation.output());
            Path emu = dir.resolve("emu");
            String aliceHome = emu.resolve("alice-laptop").toString();
            String bobHome = emu.resolve("bob-laptop").toString();

            // 2, 3: pair, typing the code the way the device shows it ("7638 2081")
            for (String[] who : new String[][] {{"alice", aliceHome, String.valueOf(port)}, {"bob", bobHome, String.valueOf(port + 1)}}) {
                Proc pair = Proc.start(repo, dir, otpi(repo, who[1], "--device", "http://127.0.0.1:" + who[2], "pair",
                        "--name", who[0] + "-laptop"));
                String code = emulation.awaitCode(who[0], 60);
                assertTrue(code.matches("\\d{4} \\d{4}"), code);
                pair.type(code + "\n");
                assertEquals(0, pair.waitFor(60), pair.output());
                assertTrue(pair.output().contains("Paired with the device at http://127.0.0.1:" + who[2] + " as '" + who[0]
                        + "-laptop'"), pair.output());
            }
            step(t0, "paired");
            // 4: both connect to the relay once
            assertTrue(run(repo, dir, aliceHome, "--relay", relay, "inbox").contains("0 new messages."));
            assertTrue(run(repo, dir, bobHome, "--relay", relay, "inbox").contains("0 new messages."));

            // 5: alice sends, bob reads; contacts, history and status
            String hello = "Hello Bob, this is the first one-time-pad message.";
            assertTrue(run(repo, dir, aliceHome, "send", "bob", hello).contains("Message sent to bob (pad "));
            String inbox = run(repo, dir, bobHome, "inbox");
            assertTrue(inbox.matches("(?s).*\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d pad \\d+] alice: " + Pattern.quote(hello)
                    + "\n.*1 new message\\..*"), inbox);
            assertTrue(run(repo, dir, bobHome, "history", "alice").contains("alice: " + hello));
            assertTrue(run(repo, dir, aliceHome, "history", "bob").contains("you -> bob: " + hello));
            String contacts = run(repo, dir, aliceHome, "contacts");
            assertTrue(contacts.matches("(?s)bob\\s+user bob\\s+send\\s+\\d+\\s+receive\\s+\\d+.*"), contacts);
            String status = run(repo, dir, bobHome, "status");
            assertTrue(status.contains("paired    yes, as 'bob-laptop' with device 'bob'")
                    && status.contains("relay     " + relay + "  answers, you are 'bob'"), status);

            step(t0, "sent, inbox, history, contacts, status");
            // 6: chat, with a message arriving live
            Proc chat = Proc.start(repo, dir, otpi(repo, bobHome, "chat"));
            chat.await("Welcome to OTPi chat as bob", 60);
            assertTrue(run(repo, dir, aliceHome, "send", "bob", "are you there?").contains("Message sent to bob"));
            chat.await("alice: are you there?", 60);
            chat.type("send alice yes, live\n");
            chat.await("Message sent to alice", 60);
            chat.type("quit\n");
            assertEquals(0, chat.waitFor(30), chat.output());
            assertTrue(run(repo, dir, aliceHome, "inbox").contains("bob: yes, live"));

            step(t0, "chat");
            // files: 5 MB each way, sealed and opened on the real vaults
            Map<String, String> homes = Map.of("alice", aliceHome, "bob", bobHome);
            for (String[] way : new String[][] {{"alice", "bob"}, {"bob", "alice"}}) {
                byte[] data = new byte[(int) FILE];
                new Random(way[0].hashCode()).nextBytes(data);
                Path plain = dir.resolve(way[0] + "-report.bin");
                Files.write(plain, data);
                Path sealed = dir.resolve(way[0] + "-report.otpi");
                String s = run(repo, dir, homes.get(way[0]), "seal-file", way[1], plain.toString(), sealed.toString());
                assertTrue(s.contains("Sealed " + plain + " -> " + sealed) && s.contains("How it reaches " + way[1]), s);
                assertTrue(s.contains("MiB/s"), "a progress bar with its rate: " + s);
                Path opened = dir.resolve(way[1] + "-got-report.bin");
                String o = run(repo, dir, homes.get(way[1]), "open-file", way[0], sealed.toString(), opened.toString());
                assertTrue(o.contains("Opened " + sealed + " -> " + opened), o);
                assertFalse(o.contains("WARNING"), o);
                assertArrayEquals(data, Files.readAllBytes(opened));
                step(t0, "5 MB file " + way[0] + " -> " + way[1]);
            }
        } finally {
            emulation.stop();
        }
        assertFalse(listening(relayPort) || listening(port) || listening(port + 1), "the emulation stopped every part");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertTrue(seconds < 240, "the walkthrough took " + seconds + " s");
    }

    /** Elapsed time per step, in the test's output file: where the minutes go. */
    private static void step(long t0, String what) {
        System.out.printf("walkthrough %6.1f s  %s%n", (System.nanoTime() - t0) / 1e9, what);
    }

    private static List<String> otpi(Path repo, String home, String... args) {
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("bin/otpi").toString(), "--home", home));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code bin/otpi}; asserts exit 0 and returns its output. */
    private static String run(Path repo, Path dir, String home, String... args) throws Exception {
        Proc p = Proc.start(repo, dir, otpi(repo, home, args));
        p.closeInput();
        int code = p.waitFor(120);
        assertEquals(0, code, String.join(" ", args) + ":\n" + p.output());
        return p.output();
    }

    static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("bin/otpi-emulate"))) {
                return p;
            }
        }
        throw new IllegalStateException("no bin/otpi-emulate above " + here);
    }

    /** A free port whose next {@code count - 1} ports are free too. */
    static int freePort(int count) throws IOException {
        for (int tries = 0; tries < 50; tries++) {
            int p;
            try (ServerSocket s = new ServerSocket(0)) {
                p = s.getLocalPort();
            }
            if (p + count > 65535) {
                continue;
            }
            boolean all = true;
            for (int i = 1; i < count && all; i++) {
                try (ServerSocket s = new ServerSocket(p + i)) {
                    all = true;
                } catch (IOException taken) {
                    all = false;
                }
            }
            if (all) {
                return p;
            }
        }
        throw new IOException("no free ports");
    }

    static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A child process (a bin/ script) with its merged output collected as it comes. */
    static final class Proc {
        private final Process process;
        private final StringBuffer out = new StringBuffer();
        private final Thread reader;

        private Proc(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                try (InputStream in = process.getInputStream()) {
                    byte[] b = new byte[8192];
                    int n;
                    while ((n = in.read(b)) > 0) {
                        out.append(new String(b, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, "walkthrough-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Proc start(Path repo, Path dir, List<String> command) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            pb.environment().put("OTPI_CLASSPATH", cp);
            pb.environment().put("JAVA", ProcessHandle.current().info().command().orElse("java"));
            // This class path carries the tests' tinylog-test.properties (debug to the console): the
            // children log warnings only, to stderr, as the real build tree would.
            Path quiet = dir.resolve("tinylog-walkthrough.properties");
            if (!Files.exists(quiet)) {
                Files.writeString(quiet, "writer = console\nwriter.level = warn\nwriter.stream = err\n");
            }
            // Short-lived clients start faster with the C1 compiler only; the devices keep C2 for crypto.
            boolean client = command.get(0).endsWith("/otpi");
            pb.environment().put("OTPI_JAVA_OPTS", (client ? "-XX:TieredStopAtLevel=1 " : "") + "-Dtinylog.configuration=" + quiet);
            pb.environment().remove("COLUMNS");
            return new Proc(pb.start());
        }

        String output() {
            return out.toString();
        }

        void type(String s) throws IOException {
            OutputStream in = process.getOutputStream();
            in.write(s.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        void closeInput() throws IOException {
            process.getOutputStream().close();
        }

        void await(String text, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (!out.toString().contains(text)) {
                if (System.nanoTime() > end || (!process.isAlive() && !out.toString().contains(text))) {
                    Thread.sleep(200); // let the reader catch the last bytes
                    if (out.toString().contains(text)) {
                        return;
                    }
                    fail("never printed '" + text + "' (alive: " + process.isAlive() + "):\n" + out);
                }
                Thread.sleep(50);
            }
        }

        /** The pairing code the emulated device printed for {@code who} (the latest one). */
        String awaitCode(String who, int seconds) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < end) {
                Matcher m = CODE.matcher(out.toString());
                String code = null;
                while (m.find()) {
                    if (m.group(1).equals(who)) {
                        code = m.group(2);
                    }
                }
                if (code != null) {
                    return code;
                }
                Thread.sleep(50);
            }
            fail("no pairing code for " + who + ":\n" + out);
            return null;
        }

        int waitFor(int seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroy();
                fail("still running after " + seconds + " s:\n" + out);
            }
            reader.join(5_000);
            return process.exitValue();
        }

        /** SIGTERM (the script's trap stops its children), then the kill signal if it hangs. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            reader.join(5_000);
        }
    }
}
