package org.otpi.appliance.tunnel;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Commands, child JVMs and log waits shared by the tests that run tunnels in network namespaces. */
final class Netns {
    private Netns() {
    }

    /** Runs {@code cmd}; a non-zero exit is an {@link IOException}. */
    static void sh(String... cmd) throws Exception {
        int rc = run(30, cmd);
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + rc);
        }
    }

    /** Runs {@code cmd} for at most {@code seconds}: its exit code (-1 if killed), its output printed on failure. */
    static int run(int seconds, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.out.println(String.join(" ", cmd) + ": " + out);
        }
        return p.exitValue();
    }

    /** Deletes the namespaces that exist (left over from a run that was killed, or this one's). */
    static void delete(String... namespaces) throws Exception {
        for (String ns : namespaces) {
            if (Files.exists(Path.of("/run/netns", ns))) {
                run(30, "ip", "netns", "del", ns);
            }
        }
    }

    /** Starts {@code main} in a JVM inside {@code ns}, its output appended to {@code log}. */
    static Process spawn(File log, String ns, Class<?> main, String... args) throws IOException {
        List<String> cmd = ChildJvm.command(ns, main, args);
        cmd.add(cmd.indexOf("-cp"), "-Xmx256m");
        cmd.add(cmd.indexOf("-cp"), "-Dtinylog.writer=console");
        return new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    }

    /** The first line of {@code log} that contains {@code needle}, waiting up to {@code seconds} for it. */
    static String awaitLine(File log, String needle, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (log.exists()) {
                for (String line : Files.readAllLines(log.toPath(), StandardCharsets.UTF_8)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + needle + "' in " + log + " within " + seconds + " s");
    }
}
