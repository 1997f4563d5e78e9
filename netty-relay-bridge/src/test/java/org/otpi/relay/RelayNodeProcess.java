package org.otpi.relay;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * {@code otpi-relay serve} as a child JVM on a fixed port (so a load balancer's configuration
 * stays right across restarts), killable for real ({@code SIGKILL}). Output is kept for failure
 * messages.
 */
final class RelayNodeProcess implements AutoCloseable {
    private final String name;
    private final int port;
    private final List<String> args;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process process;

    RelayNodeProcess(String name, int port, List<String> serveArgs) {
        this.name = name;
        this.port = port;
        this.args = List.copyOf(serveArgs);
    }

    static int freePort() throws java.io.IOException {
        return LocalHaproxy.freePort();
    }

    int port() {
        return port;
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    synchronized void start() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-cp",
                System.getProperty("java.class.path"), RelayMain.class.getName(), "serve", "--bind", "127.0.0.1",
                "--port", Integer.toString(port)));
        cmd.addAll(args);
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Process p = process;
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        while ((line = r.readLine()) != null) {
            output.add(name + ": " + line);
            if (line.contains("otpi-relay listening on")) {
                Thread drain = new Thread(() -> {
                    try {
                        String l;
                        while ((l = r.readLine()) != null) {
                            output.add(name + ": " + l);
                        }
                    } catch (java.io.IOException ignored) {
                        // ended
                    }
                }, "drain-" + name);
                drain.setDaemon(true);
                drain.start();
                return;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        throw new AssertionError(name + " did not start:\n" + tail(40));
    }

    /** {@code kill -9}: no shutdown hook, no goodbye to clients or the database. */
    synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    String tail(int lines) {
        int n = output.size();
        return String.join("\n", output.subList(Math.max(0, n - lines), n));
    }

    boolean logged(String text) {
        return output.stream().anyMatch(l -> l.contains(text));
    }

    @Override
    public synchronized void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
