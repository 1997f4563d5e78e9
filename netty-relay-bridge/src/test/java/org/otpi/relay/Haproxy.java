package org.otpi.relay;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real HAProxy (Debian's {@code haproxy} package) in front of relay nodes, started with its own
 * configuration on a free port and stopped with the test. Two ways to pass the client's address:
 * {@link Mode#PROXY_V2} (the PROXY protocol header on every connection to a node, health checks
 * included) or {@link Mode#FORWARDED_FOR} ({@code X-Forwarded-For}). Nodes are health-checked on
 * {@code /api/v1/health/ready} every 500 ms and taken out after two failures.
 */
final class Haproxy implements AutoCloseable {
    enum Mode { PROXY_V2, FORWARDED_FOR }

    private final Process process;
    private final int port;
    private final Path log;

    private Haproxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    static Path binary() {
        for (String p : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        throw new AssertionError("HAProxy not installed (Debian package haproxy, listed in .ci/apt-packages)");
    }

    static Haproxy start(Path dir, Mode mode, List<Integer> nodePorts) throws Exception {
        int port = RelayNodeProcess.freePort();
        StringBuilder cfg = new StringBuilder();
        cfg.append("global\n  maxconn 4096\n\n");
        cfg.append("defaults\n  mode http\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n")
                .append("  timeout tunnel 1h\n  timeout http-request 10s\n  option redispatch\n  retries 3\n\n");
        cfg.append("frontend relay_in\n  bind 127.0.0.1:").append(port).append("\n  default_backend relay_nodes\n\n");
        cfg.append("backend relay_nodes\n  balance roundrobin\n  option httpchk\n")
                .append("  http-check send meth GET uri /api/v1/health/ready\n  http-check expect status 200\n")
                .append("  default-server inter 500ms fall 2 rise 2\n");
        if (mode == Mode.FORWARDED_FOR) {
            cfg.append("  option forwardfor\n");
        }
        for (int i = 0; i < nodePorts.size(); i++) {
            cfg.append("  server node").append(i).append(" 127.0.0.1:").append(nodePorts.get(i)).append(" check");
            if (mode == Mode.PROXY_V2) {
                cfg.append(" send-proxy-v2 check-send-proxy");
            }
            cfg.append('\n');
        }
        Path conf = dir.resolve("haproxy-" + mode.name().toLowerCase() + "-" + port + ".cfg");
        Files.writeString(conf, cfg.toString());
        Path log = dir.resolve(conf.getFileName() + ".log");
        Process p = new ProcessBuilder(binary().toString(), "-db", "-f", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Haproxy h = new Haproxy(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return h;
            } catch (java.io.IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    h.close();
                    throw new AssertionError("HAProxy did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
    }

    int port() {
        return port;
    }

    java.net.URI uri() {
        return java.net.URI.create("http://127.0.0.1:" + port);
    }

    java.net.InetSocketAddress address() {
        return new java.net.InetSocketAddress("127.0.0.1", port);
    }

    String log() throws java.io.IOException {
        return Files.readString(log);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
