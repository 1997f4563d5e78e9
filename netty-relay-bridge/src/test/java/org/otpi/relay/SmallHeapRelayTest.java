package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tinylog.Logger;

/**
 * Out of memory is impossible by construction: {@code otpi-relay serve} in a child JVM with a
 * 64 MiB heap ({@code -XX:+ExitOnOutOfMemoryError}, so running out would kill it) under
 * six concurrent fetches of full queues (what took the old relay down) (without acknowledging, so every fetch reads a full page of
 * 340 KB packages) and six concurrent 340 KB request bodies, while a victim keeps using the relay.
 * The relay answers throughout (some requests 503 "busy" when the memory budget is spent), the
 * victim's every round trip succeeds, and the process is alive and live at the end.
 */
class SmallHeapRelayTest {
    @TempDir
    Path dir;

    private static final Pattern LISTENING = Pattern.compile("otpi-relay listening on (\\S+)");

    @Test
    void relayInA64MiBHeap_survivesFullQueueFetchesAndBigBodies_andKeepsAnswering() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx64m", "-XX:+ExitOnOutOfMemoryError",  "-cp",
                System.getProperty("java.class.path"), RelayMain.class.getName(), "serve", "--port", "0",
                "--store", "sqlite:" + dir.resolve("relay.db"), "--trusted-proxy", "127.0.0.1",
                "--queue-mb", "8", "--register-rate", "100", "--rate", "1000", "--burst", "2000"))
                .redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        try {
            URI uri = awaitListening(p, output);
            InetSocketAddress relay = new InetSocketAddress(uri.getHost(), uri.getPort());
            String big = "A".repeat(340_000);
            // eight full inboxes: each send goes to all eight (stored once, counted in each quota)
            List<String> tokens = new ArrayList<>();
            try (TestClient setup = new TestClient(relay, null, "192.0.2.100")) {
                String filler = setup.register("filler");
                StringBuilder to = new StringBuilder();
                for (int i = 0; i < 8; i++) {
                    tokens.add(setup.register("full" + i));
                    to.append(i == 0 ? "\"" : ",\"").append("full").append(i).append('"');
                }
                int sent = 0;
                while (setup.call("POST", "/api/v1/send", "{\"to\":[" + to + "],\"contents\":\"" + big + "\"}", filler).status() == 200) {
                    sent++;
                }
                assertTrue(sent >= 20, "inboxes filled to their 8 MiB quota: " + sent + " packages each");
                setup.register("sink");
            }
            AtomicBoolean stop = new AtomicBoolean();
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            List<Thread> attackers = new ArrayList<>();
            for (int i = 0; i < 6; i++) { // full-queue fetches, never acknowledged
                String token = tokens.get(i % tokens.size());
                String address = "198.51.100." + (i + 1);
                attackers.add(attacker(() -> {
                    try (TestClient c = new TestClient(relay, null, address)) {
                        while (!stop.get()) {
                            statuses.merge(c.call("GET", "/api/v1/messages?from=0", null, token).status(), 1, Integer::sum);
                        }
                    }
                }));
            }
            String body = "{\"to\":[\"sink\"],\"contents\":\"" + big + "\"}";
            for (int i = 0; i < 6; i++) { // big bodies
                String token = tokens.get(i % tokens.size());
                String address = "203.0.113." + (i + 1);
                attackers.add(attacker(() -> {
                    try (TestClient c = new TestClient(relay, null, address)) {
                        while (!stop.get()) {
                            statuses.merge(c.call("POST", "/api/v1/send", body, token).status(), 1, Integer::sum);
                        }
                    }
                }));
            }
            Thread.sleep(2000);
            List<Double> rt = new ArrayList<>();
            try (TestClient.Victim v = new TestClient.Victim(relay, null, "192.0.2.10", "v")) {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
                while (System.nanoTime() < end) {
                    rt.add(v.roundTrip()); // throws if any step fails
                }
            }
            stop.set(true);
            for (Thread t : attackers) {
                t.join(30_000);
            }
            Collections.sort(rt);
            double p99 = TestClient.Victim.p99(rt);
            Logger.info("64 MiB heap: attackers' answers {}; victim {} round trips, p50 {} ms, p99 {} ms", statuses, rt.size(),
                    String.format("%.1f", TestClient.Victim.p50(rt)), String.format("%.1f", p99));
            assertTrue(p.isAlive(), "the relay process is alive: " + tail(output));
            assertFalse(output.stream().anyMatch(l -> l.contains("OutOfMemoryError")), tail(output));
            assertTrue(statuses.getOrDefault(200, 0) > 20, "the attackers were served too, within the budget: " + statuses);
            assertTrue(rt.size() >= 10, "the victim kept going: " + rt.size());
            assertTrue(p99 < RelayAttackTest.P99_BOUND_MS, "victim p99 " + p99 + " ms with a 64 MiB heap under attack");
            try (TestClient c = new TestClient(relay, null, null)) {
                assertEquals(200, c.call("GET", "/api/v1/health/live", null, null).status());
            }
        } finally {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static Thread attacker(Body b) {
        Thread t = new Thread(() -> {
            try {
                b.run();
            } catch (Exception e) {
                Logger.debug(e, "attacker thread ended");
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static URI awaitListening(Process p, List<String> output) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            output.add(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        String l;
                        while ((l = r.readLine()) != null) {
                            output.add(l);
                        }
                    } catch (java.io.IOException ignored) {
                        // process ended
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return URI.create(m.group(1));
            }
        }
        throw new AssertionError("relay did not report listening: " + output);
    }

    private static String tail(List<String> output) {
        int n = output.size();
        return String.join("\n", output.subList(Math.max(0, n - 30), n));
    }
}
