package org.otpi.bench;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.otpi.bridge.relay.FetchResult;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayListener;
import org.otpi.bridge.relay.RelayMessage;
import org.otpi.bridge.relay.Subscription;
import java.util.LinkedHashMap;
import java.util.Map;
import org.otpi.relay.LocalHaproxy;
import org.otpi.relay.RelayConfig;
import org.otpi.relay.RelayLimits;
import org.otpi.relay.RelayServer;
import org.otpi.relay.store.LocalPostgres;
import org.otpi.relay.store.PostgresRelayStore;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.SqliteRelayStore;

/**
 * Relay benchmark: messages per second (send + fetch) and p99 latency with N concurrent clients,
 * in three setups in one run: one node on SQLite, one node on PostgreSQL, and two nodes on one
 * PostgreSQL behind a real HAProxy (TCP mode, PROXY protocol v2); next to the raw JDBC insert
 * rate of each database measured in the same run; optionally N WebSocket clients held open and
 * pushed to. After each run every client drains its queue: "lost" counts packages the relay
 * answered "stored" for that never came back (must be 0).
 *
 * <pre>
 * bench/run RelayBench                       # 1,000 raw clients, the three setups
 * bench/run RelayBench [--seconds 10] [--clients 100,1000] [--setups sqlite,postgres,haproxy]
 *      [--client raw,relayclient] [--ws 1000] [--payload 256] [--fetch-every 8]
 * </pre>
 *
 * Every client is its own account on the relay, talks over real loopback sockets either through
 * {@link RelayClient} (the JDK HttpClient, as the CLI will) or through {@link RawHttpClient} (one
 * keep-alive socket per client, to measure the relay without the JDK client's CPU cost), and loops: send one package to a random other client; every {@code fetch-every}
 * sends, fetch its own queue from its saved ref and acknowledge what came. "msgs/s" counts
 * packages that were both stored and fetched back by their recipient during the measured
 * window. Client and relay share this machine's CPUs.
 */
public final class RelayBench {
    private RelayBench() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = 10;
        int[] clients = {1000};
        List<String> stores = List.of("sqlite", "postgres", "haproxy");
        int ws = 0;
        int payload = 256;
        int fetchEvery = 8;
        List<String> clientKinds = List.of("raw");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--clients" -> clients = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--stores", "--setups" -> stores = List.of(args[++i].split(","));
                case "--ws" -> ws = Integer.parseInt(args[++i]);
                case "--payload" -> payload = Integer.parseInt(args[++i]);
                case "--fetch-every" -> fetchEvery = Integer.parseInt(args[++i]);
                case "--client" -> clientKinds = List.of(args[++i].split(","));
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        System.out.println("(msgs per CPU-second = packages delivered per second of CPU used by this JVM, relay and"
                + " clients together: a figure that holds up when other processes share the machine)");
        System.out.printf(Locale.ROOT, "relay bench: %d s per run, payload %d bytes, fetch every %d sends, %d CPUs, load %.1f%n",
                seconds, payload, fetchEvery, Runtime.getRuntime().availableProcessors(), loadAverage());
        System.out.println("(haproxy = two relay nodes in this JVM on one PostgreSQL, behind HAProxy in TCP mode with the PROXY"
                + " protocol; HAProxy's and PostgreSQL's CPU are not in \"per CPU-second\")");
        LocalPostgres pg = null;
        Map<String, Double> best = new LinkedHashMap<>();
        try {
            for (String kind : stores) {
                if (!kind.equals("sqlite") && pg == null) {
                    pg = LocalPostgres.start(true);
                }
                Path dir = Files.createTempDirectory("relay-bench-");
                try {
                    if (!kind.equals("haproxy")) {
                        double raw1 = rawInsertRate(kind, dir, pg, 1, Math.min(seconds, 5));
                        double raw100 = rawInsertRate(kind, dir, pg, 100, Math.min(seconds, 5));
                        System.out.printf(Locale.ROOT, "%-8s raw JDBC insert: %,10.0f rows/s (1 row/commit)  %,10.0f rows/s (100 rows/commit)%n",
                                kind, raw1, raw100);
                    }
                    for (int n : clients) {
                        for (String ck : clientKinds) {
                            Result r = runRelay(kind, dir, pg, n, seconds, payload, fetchEvery, ck.equals("raw"));
                            System.out.printf(Locale.ROOT,
                                    "%-8s %5d clients (%-11s): %,8.0f msgs/s (send+fetch), %,6.0f msgs per CPU-second;  send p50 %6.1f ms"
                                            + " p99 %6.1f ms  fetch+ack p99 %6.1f ms;  %d stored, %d lost%s%n",
                                    kind, n, ck, r.msgsPerSecond, r.msgsPerCpuSecond, r.sendP50, r.sendP99, r.fetchP99, r.stored,
                                    r.lost, r.errors > 0 ? "  (" + r.errors + " errors)" : "");
                            best.put(kind + "/" + n + "/" + ck, r.msgsPerSecond);
                        }
                    }
                    if (ws > 0 && !kind.equals("haproxy")) {
                        wsHold(kind, dir, pg, ws);
                    }
                } finally {
                    deleteTree(dir);
                }
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
        for (int n : clients) {
            for (String ck : clientKinds) {
                Double sq = best.get("sqlite/" + n + "/" + ck);
                Double one = best.get("postgres/" + n + "/" + ck);
                Double two = best.get("haproxy/" + n + "/" + ck);
                if (sq != null && one != null) {
                    System.out.printf(Locale.ROOT, "%5d clients (%s): PostgreSQL one node = %.2fx SQLite (aim >= 0.5)%n", n, ck, one / sq);
                }
                if (one != null && two != null) {
                    System.out.printf(Locale.ROOT, "%5d clients (%s): two nodes behind HAProxy = %.2fx one node (aim within 20%%)%n",
                            n, ck, two / one);
                }
            }
        }
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static int dbCounter;

    private static RelayStore openStore(String kind, Path dir, LocalPostgres pg) throws Exception {
        dbCounter++;
        if (kind.equals("sqlite")) {
            return SqliteRelayStore.open(dir.resolve("relay" + dbCounter + ".db"), SqliteRelayStore.Sync.FULL);
        }
        return PostgresRelayStore.open(pg.createDatabase("bench_relay_" + dbCounter + "_" + ProcessHandle.current().pid()));
    }

    /** Single-thread JDBC inserts of the relay's row shape, same durability settings as the relay store. */
    static double rawInsertRate(String kind, Path dir, LocalPostgres pg, int rowsPerCommit, int seconds) throws Exception {
        dbCounter++;
        Connection c;
        if (kind.equals("sqlite")) {
            org.sqlite.SQLiteConfig cfg = new org.sqlite.SQLiteConfig();
            cfg.setJournalMode(org.sqlite.SQLiteConfig.JournalMode.WAL);
            cfg.setSynchronous(org.sqlite.SQLiteConfig.SynchronousMode.FULL);
            c = cfg.createConnection("jdbc:sqlite:" + dir.resolve("raw" + dbCounter + ".db"));
        } else {
            c = DriverManager.getConnection(pg.createDatabase("bench_raw_" + dbCounter + "_" + ProcessHandle.current().pid())
                    + "&reWriteBatchedInserts=true");
        }
        try (c) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE messages(ref BIGINT PRIMARY KEY, recipient TEXT NOT NULL, sender TEXT NOT NULL,"
                        + " contents TEXT NOT NULL, created_at BIGINT NOT NULL)");
                st.execute("CREATE INDEX messages_by_recipient ON messages(recipient, ref)");
            }
            c.setAutoCommit(false);
            String contents = Base64.getEncoder().encodeToString(new byte[256]);
            long ref = 0;
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long t0 = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO messages(ref, recipient, sender, contents, created_at) VALUES (?,?,?,?,?)")) {
                while (System.nanoTime() < end) {
                    for (int i = 0; i < rowsPerCommit; i++) {
                        ps.setLong(1, ++ref);
                        ps.setString(2, "user" + (ref % 1000));
                        ps.setString(3, "user" + ((ref * 7) % 1000));
                        ps.setString(4, contents);
                        ps.setLong(5, System.currentTimeMillis());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                    c.commit();
                }
            }
            return ref / ((System.nanoTime() - t0) / 1e9);
        }
    }

    record Result(double msgsPerSecond, double sendP50, double sendP99, double fetchP99, long errors, double msgsPerCpuSecond,
                  long stored, long lost) {
    }

    /** CPU time used by this JVM (relay and clients together), in seconds. */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** One client's three calls, over RelayClient or over a raw keep-alive socket. */
    interface BenchClient {
        void send(String to, String pkg) throws Exception;

        /** Fetches from {@code from}, acknowledges what came; returns {count, nextRef}. */
        long[] fetchAndAck(long from) throws Exception;
    }

    static BenchClient overRelayClient(RelayClient c) {
        return new BenchClient() {
            @Override
            public void send(String to, String pkg) throws Exception {
                c.send(to, pkg);
            }

            @Override
            public long[] fetchAndAck(long from) throws Exception {
                FetchResult fr = c.fetch(from, 500);
                if (!fr.messages().isEmpty()) {
                    List<Long> refs = new ArrayList<>(fr.messages().size());
                    for (RelayMessage m : fr.messages()) {
                        refs.add(m.ref());
                    }
                    c.ack(refs);
                }
                return new long[] {fr.messages().size(), fr.nextRef()};
            }
        };
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    static BenchClient overRawSocket(RawHttpClient c) {
        return new BenchClient() {
            @Override
            public void send(String to, String pkg) throws Exception {
                RawHttpClient.Reply r = c.call("POST", "/api/v1/send", "{\"to\":[\"" + to + "\"],\"contents\":\"" + pkg + "\"}");
                if (r.status() != 200) {
                    throw new java.io.IOException("send " + r.status());
                }
            }

            @Override
            public long[] fetchAndAck(long from) throws Exception {
                RawHttpClient.Reply r = c.call("GET", "/api/v1/messages?from=" + from + "&limit=500", null);
                if (r.status() != 200) {
                    throw new java.io.IOException("fetch " + r.status());
                }
                com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(r.body());
                StringBuilder refs = new StringBuilder();
                int count = 0;
                for (com.fasterxml.jackson.databind.JsonNode m : n.get("messages")) {
                    refs.append(count++ == 0 ? "" : ",").append(m.get("ref").asLong());
                }
                if (count > 0) {
                    RawHttpClient.Reply a = c.call("POST", "/api/v1/ack", "{\"refs\":[" + refs + "]}");
                    if (a.status() != 200) {
                        throw new java.io.IOException("ack " + a.status());
                    }
                }
                return new long[] {count, n.get("nextRef").asLong()};
            }
        };
    }

    /** The relay(s) of one setup and where clients connect. */
    private static final class Setup implements AutoCloseable {
        final List<RelayStore> stores = new ArrayList<>();
        final List<RelayServer> servers = new ArrayList<>();
        LocalHaproxy haproxy;
        java.net.InetSocketAddress address;
        java.net.URI uri;

        @Override
        public void close() {
            if (haproxy != null) {
                haproxy.close();
            }
            servers.forEach(RelayServer::close);
            stores.forEach(RelayStore::close);
        }
    }

    private static Setup setUp(String kind, Path dir, LocalPostgres pg, int n) throws Exception {
        Setup s = new Setup();
        try {
            return setUp(s, kind, dir, pg, n);
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
    }

    private static Setup setUp(Setup s, String kind, Path dir, LocalPostgres pg, int n) throws Exception {
        RelayLimits limits = RelayLimits.defaults().toBuilder().rate(1e6, 1_000_000).registrationRate(1e6, 1_000_000)
                .queueLimit(1_000_000).connections(100_000, 100_000).build();
        int nodes = kind.equals("haproxy") ? 2 : 1;
        int workers = Math.min(256, Math.max(32, n / 4)) / nodes;
        String url = null;
        for (int i = 0; i < nodes; i++) {
            RelayStore store;
            if (kind.equals("haproxy")) {
                if (url == null) {
                    dbCounter++;
                    url = pg.createDatabase("bench_relay_" + dbCounter + "_" + ProcessHandle.current().pid());
                }
                store = PostgresRelayStore.open(url);
            } else {
                store = openStore(kind, dir, pg);
            }
            s.stores.add(store);
            s.servers.add(RelayServer.start(RelayConfig.builder().port(0).limits(limits).workerThreads(Math.max(16, workers))
                    .trustedProxies(List.of("127.0.0.1")).build(), store));
        }
        if (nodes == 1) {
            s.address = s.servers.get(0).address();
            s.uri = s.servers.get(0).uri();
        } else {
            s.haproxy = LocalHaproxy.start(dir, LocalHaproxy.Mode.TCP_PROXY_V2,
                    s.servers.stream().map(RelayServer::port).toList());
            s.address = s.haproxy.address();
            s.uri = s.haproxy.uri();
            RelayClient probe = RelayClient.builder(s.uri).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!probe.health() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            Thread.sleep(1500); // both nodes up in HAProxy (two checks at 500 ms)
        }
        return s;
    }

    static Result runRelay(String kind, Path dir, LocalPostgres pg, int n, int seconds, int payload, int fetchEvery,
                           boolean raw) throws Exception {
        try (Setup setup = setUp(kind, dir, pg, n)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(30)).build();
            RelayClient anon = RelayClient.builder(setup.uri).httpClient(http).timeout(Duration.ofSeconds(60)).build();
            List<BenchClient> cs = new ArrayList<>();
            List<RawHttpClient> sockets = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String token = anon.register("u" + i);
                if (raw) {
                    RawHttpClient rc = new RawHttpClient(setup.address, token);
                    sockets.add(rc);
                    cs.add(overRawSocket(rc));
                } else {
                    cs.add(overRelayClient(anon.withToken(token)));
                }
            }
            String pkg = Base64.getEncoder().encodeToString(new byte[payload]);
            AtomicLong fetched = new AtomicLong();
            AtomicLong fetchedAll = new AtomicLong();
            AtomicLong storedAll = new AtomicLong();
            AtomicLong errors = new AtomicLong();
            long[][] sendLat = new long[n][];
            long[][] fetchLat = new long[n][];
            int[] sendCount = new int[n];
            int[] fetchCount = new int[n];
            long[] nextRefs = new long[n];
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch go = new CountDownLatch(1);
            long warmupNanos = TimeUnit.SECONDS.toNanos(5);
            long runNanos = TimeUnit.SECONDS.toNanos(seconds);
            long[] window = new long[2];
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int me = i;
                Thread t = new Thread(() -> {
                    Random r = new Random(me);
                    BenchClient c = cs.get(me);
                    long[] sl = new long[1 << 16];
                    long[] fl = new long[1 << 14];
                    int sc = 0;
                    int fc = 0;
                    long next = 0;
                    ready.countDown();
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    long measureFrom = window[0];
                    long measureTo = window[1];
                    int iter = 0;
                    while (true) {
                        long now = System.nanoTime();
                        if (now >= measureTo) {
                            break;
                        }
                        boolean measuring = now >= measureFrom;
                        try {
                            int to = r.nextInt(n - 1);
                            if (to >= me) {
                                to++;
                            }
                            long t0 = System.nanoTime();
                            c.send("u" + to, pkg);
                            long t1 = System.nanoTime();
                            storedAll.incrementAndGet();
                            if (measuring && sc < sl.length) {
                                sl[sc++] = t1 - t0;
                            }
                            if (++iter % fetchEvery == 0) {
                                long f0 = System.nanoTime();
                                long[] fr = c.fetchAndAck(next);
                                long f1 = System.nanoTime();
                                next = fr[1];
                                fetchedAll.addAndGet(fr[0]);
                                if (measuring) {
                                    fetched.addAndGet(fr[0]);
                                    if (fc < fl.length) {
                                        fl[fc++] = f1 - f0;
                                    }
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                        }
                    }
                    sendLat[me] = sl;
                    fetchLat[me] = fl;
                    sendCount[me] = sc;
                    fetchCount[me] = fc;
                    nextRefs[me] = next;
                }, "bench-client-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            ready.await();
            long start = System.nanoTime();
            window[0] = start + warmupNanos;
            window[1] = start + warmupNanos + runNanos;
            go.countDown();
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(warmupNanos));
            double cpu0 = cpuSeconds();
            for (Thread t : threads) {
                t.join();
            }
            double cpu = cpuSeconds() - cpu0;
            // drain: every client reads what is left; whatever the relay said it stored must come back
            java.util.concurrent.ExecutorService drain = java.util.concurrent.Executors.newFixedThreadPool(32);
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int me = i;
                fs.add(drain.submit(() -> {
                    long next = nextRefs[me];
                    for (int round = 0; round < 1000; round++) {
                        long[] fr = cs.get(me).fetchAndAck(next);
                        fetchedAll.addAndGet(fr[0]);
                        next = fr[1];
                        if (fr[0] == 0) {
                            break;
                        }
                    }
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : fs) {
                f.get(10, TimeUnit.MINUTES);
            }
            drain.shutdown();
            for (RawHttpClient rc : sockets) {
                rc.close();
            }
            double msgs = fetched.get() / (runNanos / 1e9);
            return new Result(msgs, pct(sendLat, sendCount, 0.50), pct(sendLat, sendCount, 0.99),
                    pct(fetchLat, fetchCount, 0.99), errors.get(), fetched.get() / cpu, storedAll.get(),
                    storedAll.get() - fetchedAll.get());
        }
    }

    private static double pct(long[][] lat, int[] counts, double p) {
        int total = Arrays.stream(counts).sum();
        if (total == 0) {
            return Double.NaN;
        }
        long[] all = new long[total];
        int k = 0;
        for (int i = 0; i < lat.length; i++) {
            System.arraycopy(lat[i], 0, all, k, counts[i]);
            k += counts[i];
        }
        Arrays.sort(all);
        return all[Math.min(all.length - 1, (int) Math.ceil(p * all.length) - 1)] / 1e6;
    }

    /** Opens {@code n} WebSocket subscriptions, checks all are held, pushes one package to each. */
    static void wsHold(String kind, Path dir, LocalPostgres pg, int n) throws Exception {
        try (RelayStore store = openStore(kind, dir, pg)) {
            RelayLimits limits = RelayLimits.defaults().toBuilder().rate(1e6, 1_000_000).registrationRate(1e6, 1_000_000)
                    .connections(100_000, 100_000).build();
            RelayServer server = RelayServer.start(RelayConfig.builder().port(0).limits(limits).workerThreads(64).build(), store);
            List<Subscription> subs = new ArrayList<>();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(30)).build();
                RelayClient anon = RelayClient.builder(server.uri()).httpClient(http).timeout(Duration.ofSeconds(60)).build();
                RelayClient sender = anon.withToken(anon.register("sender"));
                List<String> names = new ArrayList<>();
                CountDownLatch synced = new CountDownLatch(n);
                CountDownLatch received = new CountDownLatch(n);
                long[] pushLatency = new long[n];
                long[] sentAt = new long[n];
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    String uid = "w" + i;
                    names.add(uid);
                    RelayClient c = anon.withToken(anon.register(uid));
                    int me = i;
                    subs.add(c.subscribe(0, new RelayListener() {
                        @Override
                        public void onMessages(List<RelayMessage> messages) {
                            pushLatency[me] = System.nanoTime() - sentAt[me];
                            received.countDown();
                        }

                        @Override
                        public void onSynced(long nextRef) {
                            synced.countDown();
                        }
                    }));
                }
                boolean allSynced = synced.await(120, TimeUnit.SECONDS);
                double openSeconds = (System.nanoTime() - t0) / 1e9;
                Thread.sleep(3000);
                int held = server.liveSessions();
                long open = subs.stream().filter(Subscription::isOpen).count();
                for (int i = 0; i < n; i++) {
                    sentAt[i] = System.nanoTime();
                    sender.send(names.get(i), "AAAA");
                }
                boolean all = received.await(60, TimeUnit.SECONDS);
                long[] lat = Arrays.copyOf(pushLatency, n);
                Arrays.sort(lat);
                System.out.printf(Locale.ROOT,
                        "%-8s %5d WebSockets: opened+synced in %.1f s (%s), held %d on the relay (%d open at clients),"
                                + " pushed %d/%d, push p50 %.1f ms p99 %.1f ms%n",
                        kind, n, openSeconds, allSynced ? "all" : "NOT all", held, open, n - received.getCount(), n,
                        lat[n / 2] / 1e6, lat[Math.max(0, (int) Math.ceil(0.99 * n) - 1)] / 1e6);
                if (!all) {
                    System.out.println("  (some pushes did not arrive within 60 s)");
                }
            } finally {
                subs.forEach(Subscription::close);
                server.close();
            }
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort
        }
    }
}
