package org.otpi.relay;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away HAProxy (Debian's {@code haproxy} package) in front of relay nodes on this
 * machine, for tests and the benchmark: its own configuration in a given directory, a free
 * loopback port, stopped by {@link #close()}. Three ways to pass the client's address:
 * {@link Mode#PROXY_V2} (HTTP mode, the PROXY protocol header on every connection to a node,
 * health checks included), {@link Mode#FORWARDED_FOR} (HTTP mode, {@code X-Forwarded-For}) and
 * {@link Mode#TCP_PROXY_V2} (TCP mode: whole connections balanced, cheapest). Nodes are
 * health-checked on {@code /api/v1/health/ready} every 500 ms and taken out after two failures.
 * Not a production configuration (no TLS, no logging, no limits beyond {@code maxconn}).
 */
public final class LocalHaproxy implements AutoCloseable {
    /** How HAProxy passes the client on. */
    public enum Mode { PROXY_V2, FORWARDED_FOR, TCP_PROXY_V2 }

    private final Process process;
    private final int port;
    private final Path log;

    private LocalHaproxy(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The haproxy binary. */
    public static Path binary() throws IOException {
        for (String p : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        throw new IOException("HAProxy not installed (Debian package haproxy, listed in .ci/apt-packages)");
    }

    /** A free loopback port (there is a short race until someone binds it). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Starts HAProxy on a free port, balancing round-robin over the nodes on {@code 127.0.0.1:nodePorts}. */
    public static LocalHaproxy start(Path dir, Mode mode, List<Integer> nodePorts) throws IOException, InterruptedException {
        int port = freePort();
        boolean tcp = mode == Mode.TCP_PROXY_V2;
        StringBuilder cfg = new StringBuilder();
        cfg.append("global\n  maxconn 5000\n\n"); // about 2 fds per connection: stays under common limits
        cfg.append("defaults\n  mode ").append(tcp ? "tcp" : "http")
                .append("\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\n")
                .append("  timeout tunnel 1h\n").append(tcp ? "" : "  timeout http-request 10s\n")
                .append("  option redispatch\n  retries 3\n\n");
        cfg.append("frontend relay_in\n  bind 127.0.0.1:").append(port).append("\n  maxconn 5000\n  default_backend relay_nodes\n\n");
        cfg.append("backend relay_nodes\n  balance roundrobin\n  option httpchk\n")
                .append("  http-check send meth GET uri /api/v1/health/ready\n  http-check expect status 200\n")
                .append("  default-server inter 500ms fall 2 rise 2\n");
        if (mode == Mode.FORWARDED_FOR) {
            cfg.append("  option forwardfor\n");
        }
        for (int i = 0; i < nodePorts.size(); i++) {
            cfg.append("  server node").append(i).append(" 127.0.0.1:").append(nodePorts.get(i)).append(" check");
            if (mode != Mode.FORWARDED_FOR) {
                cfg.append(" send-proxy-v2 check-send-proxy");
            }
            cfg.append('\n');
        }
        Path conf = dir.resolve("haproxy-" + mode.name().toLowerCase() + "-" + port + ".cfg");
        Files.writeString(conf, cfg.toString());
        Path log = dir.resolve(conf.getFileName() + ".log");
        Process p = new ProcessBuilder(binary().toString(), "-db", "-f", conf.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LocalHaproxy h = new LocalHaproxy(p, port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return h;
            } catch (java.io.IOException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    h.close();
                    throw new IOException("HAProxy did not start: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
        }
    }

    public int port() {
        return port;
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /** What HAProxy printed (warnings, alerts). */
    public String log() throws IOException {
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
