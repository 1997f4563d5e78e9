package org.otpi.relay.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.tinylog.Logger;

/**
 * A throw-away PostgreSQL server from Debian's {@code postgresql} package, for tests, the
 * benchmark and emulation: {@code initdb} into a temporary directory, {@code postgres} on a
 * free loopback port with its socket in that directory, stopped ({@code pg_ctl stop -m fast})
 * and deleted by {@link #close()} (and by a shutdown hook if the JVM exits first).
 *
 * <p>As root it runs the server as the {@code postgres} user through {@code runuser}. Not for
 * production: authentication is {@code trust} on 127.0.0.1.
 */
public final class LocalPostgres implements AutoCloseable {
    private final Path dir;
    private final Path data;
    private final Path bin;
    private final int port;
    private final List<String> command;
    private volatile Process process;
    private final boolean root;
    private final Thread hook;
    private boolean closed;

    private LocalPostgres(Path dir, Path data, Path bin, int port, List<String> command, Process process, boolean root) {
        this.dir = dir;
        this.data = data;
        this.bin = bin;
        this.port = port;
        this.command = command;
        this.process = process;
        this.root = root;
        this.hook = new Thread(this::stopQuietly, "local-postgres-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The newest {@code /usr/lib/postgresql/N/bin} with an {@code initdb}, or null. */
    public static Path findBinaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return null;
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.resolve("bin"))
                    .filter(p -> Files.isExecutable(p.resolve("initdb")) && Files.isExecutable(p.resolve("postgres")))
                    .max(Comparator.comparingInt(LocalPostgres::version))
                    .orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static int version(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Starts a server.
     *
     * @param durable false turns off fsync (tests: a commit still reaches the OS before it is
     *     acknowledged, so it survives the server being killed, not the machine crashing);
     *     true keeps PostgreSQL's defaults (benchmark)
     */
    public static LocalPostgres start(boolean durable) throws IOException, InterruptedException {
        Path bin = findBinaries();
        if (bin == null) {
            throw new IOException("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory("otpi-pg-");
        Path data = dir.resolve("data");
        Path sock = dir.resolve("sock");
        Files.createDirectories(sock);
        if (root) {
            chownToPostgres(dir);
            chownToPostgres(sock);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        run(root, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust", "-U", "postgres",
                "-E", "UTF8", "--locale=C", "--no-sync"), dir.resolve("initdb.log"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
                "-p", Integer.toString(port), "-k", sock.toString(), "-c", "listen_addresses=127.0.0.1",
                "-c", "max_connections=200", "-c", "shared_buffers=128MB"));
        if (!durable) {
            cmd.addAll(List.of("-c", "fsync=off", "-c", "full_page_writes=off"));
        }
        LocalPostgres pg = new LocalPostgres(dir, data, bin, port, List.copyOf(cmd), spawn(root, cmd, dir), root);
        try {
            pg.awaitAccepting();
        } catch (IOException e) {
            pg.close();
            throw e;
        }
        Logger.info("local PostgreSQL {} on 127.0.0.1:{} ({})", version(bin), port, durable ? "durable" : "fsync off");
        return pg;
    }

    private static Process spawn(boolean root, List<String> cmd, Path dir) throws IOException {
        return new ProcessBuilder(asUser(root, cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile())).start();
    }

    private void awaitAccepting() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"))) {
                return;
            } catch (SQLException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.exists(dir.resolve("postgres.log")) ? Files.readString(dir.resolve("postgres.log")) : "";
                    throw new IOException("PostgreSQL did not start: " + log);
                }
                Thread.sleep(100);
            }
        }
    }

    /**
     * Stops the server ({@code pg_ctl stop -m fast}: open transactions are rolled back, clients
     * are disconnected) and leaves it stopped until {@link #startAgain()}.
     */
    public synchronized void stopServer() throws IOException, InterruptedException {
        if (closed || !process.isAlive()) {
            return;
        }
        run(root, List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", "fast", "-w"),
                dir.resolve("pg_ctl.log"));
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IOException("PostgreSQL did not stop");
        }
        Logger.info("local PostgreSQL on 127.0.0.1:{} stopped", port);
    }

    /** Starts the stopped server again on the same port and data. */
    public synchronized void startAgain() throws IOException, InterruptedException {
        if (closed) {
            throw new IllegalStateException("closed");
        }
        if (process.isAlive()) {
            return;
        }
        process = spawn(root, command, dir);
        awaitAccepting();
        Logger.info("local PostgreSQL on 127.0.0.1:{} started again", port);
    }

    /** {@link #stopServer()}, then {@link #startAgain()} after {@code downMillis}. */
    public void restart(long downMillis) throws IOException, InterruptedException {
        stopServer();
        Thread.sleep(downMillis);
        startAgain();
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DB?user=postgres}. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
    }

    /** Creates an empty database and returns its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name");
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres")); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        return jdbcUrl(name);
    }

    @Override
    public synchronized void close() {
        stopQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // JVM already shutting down
        }
    }

    private synchronized void stopQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                run(root, List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", data.toString(), "-m", "fast", "-w"),
                        dir.resolve("pg_ctl.log"));
            }
        } catch (IOException | InterruptedException e) {
            Logger.warn(e, "pg_ctl stop failed");
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    private static List<String> asUser(boolean root, List<String> cmd) {
        if (!root) {
            return cmd;
        }
        List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        out.addAll(cmd);
        return out;
    }

    private static void run(boolean root, List<String> cmd, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(asUser(root, cmd)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd.get(0) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + Files.readString(log));
        }
    }

    private static void chownToPostgres(Path p) throws IOException {
        UserPrincipalLookupService lookup = p.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName("postgres");
        GroupPrincipal group = lookup.lookupPrincipalByGroupName("postgres");
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    Logger.debug(e, "cannot delete {}", p);
                }
            });
        } catch (IOException e) {
            Logger.debug(e, "cannot delete {}", root);
        }
    }
}
