package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.bridge.relay.RelayClient;

/** {@code otpi-relay serve} as a real process: it listens, serves, keeps data across restarts, stops on SIGTERM. */
class RelayMainProcessTest {
    @TempDir
    Path dir;

    private static final Pattern LISTENING = Pattern.compile("otpi-relay listening on (\\S+)");

    private Process serve(Path db) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), RelayMain.class.getName(),
                "serve", "--port", "0", "--bind", "127.0.0.1", "--store", "sqlite:" + db))
                .redirectErrorStream(true).start();
    }

    private static URI awaitListening(Process p) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        while (r.readLine() != null) {
                            // keep the pipe empty
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
        throw new AssertionError("relay did not report listening");
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: the shutdown hook closes server and store
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("relay did not stop on SIGTERM");
        }
    }

    @Test
    void serve_runsAsAProcess_andKeepsQueuedPackagesAcrossRestart() throws Exception {
        Path db = dir.resolve("relay.db");
        Process p = serve(db);
        String token;
        long ref;
        try {
            RelayClient anon = RelayClient.builder(awaitListening(p)).build();
            assertTrue(anon.health());
            token = anon.register("bob");
            RelayClient alice = anon.withToken(anon.register("alice"));
            ref = alice.send("bob", "AAEC");
        } finally {
            stop(p);
        }
        assertTrue(Files.size(db) > 0);
        Process again = serve(db);
        try {
            RelayClient bob = RelayClient.builder(awaitListening(again)).token(token).build();
            assertEquals(List.of(ref), bob.fetch(0, 10).messages().stream().map(m -> m.ref()).toList());
        } finally {
            stop(again);
        }
    }
}
