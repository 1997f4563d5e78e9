package org.otpi.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.DenyApprover;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.FakeDeviceService;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;

/**
 * Revocation revokes: {@code otpi-appliance clients --revoke} run as its own process while the
 * daemon's RPC server serves on a real socket. The revoked token is refused on its very next
 * request, stays refused after another client pairs (the daemon writes the file then) and after a
 * restart; the other clients keep working.
 */
class RevocationTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final BlockingQueue<String> codes = new LinkedBlockingQueue<>();

    @Test
    void revokedWhileTheDaemonRuns_refusedAtOnce_afterAnotherPairing_andAfterARestart(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state");
        String a;
        String b;
        RpcServer first = server(state);
        try {
            URI base = URI.create("http://127.0.0.1:" + first.start().getPort());
            a = pair(base, "laptop-a");
            b = pair(base, "laptop-b");
            assertEquals(200, whoami(base, a));

            Process cli = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseSerialGC", "-cp", classpath(), ApplianceMain.class.getName(), "clients",
                    "--state", state.toString(), "--revoke", "laptop-a")
                    .redirectErrorStream(true).redirectOutput(dir.resolve("cli.txt").toFile()).start();
            assertTrue(cli.waitFor(60, TimeUnit.SECONDS), "the command finished");
            assertEquals(0, cli.exitValue(), Files.readString(dir.resolve("cli.txt")));
            assertTrue(Files.readString(dir.resolve("cli.txt")).contains("revoked laptop-a"));

            assertEquals(401, whoami(base, a), "the revoked token is refused on its next request");
            assertEquals(200, whoami(base, b), "the other client is untouched");

            String c = pair(base, "laptop-c"); // the daemon rewrites the file now
            assertEquals(401, whoami(base, a), "another pairing does not bring the revoked token back");
            assertEquals(200, whoami(base, c));
            assertFalse(Files.readString(state.resolve("clients")).contains("laptop-a"), "not written back");
        } finally {
            first.close();
        }
        RpcServer second = server(state);
        try {
            URI base = URI.create("http://127.0.0.1:" + second.start().getPort());
            assertEquals(401, whoami(base, a), "refused after a restart");
            assertEquals(200, whoami(base, b));
        } finally {
            second.close();
        }
        String log = Files.readString(state.resolve("logs").resolve(LogSetup.SECURITY_LOG), StandardCharsets.UTF_8);
        assertTrue(log.contains("revoked by the operator"), "the command wrote the security log: " + log);
        assertFalse(log.contains("laptop-a"), "the client's name is pseudonymised there: " + log);
    }

    private RpcServer server(Path state) throws IOException {
        RpcConfig config = RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0).withApprovalTimeout(Duration.ofSeconds(5));
        return new RpcServer(config, new FakeDeviceService("alice", 10_000, "bob"), new DenyApprover(),
                ClientRegistry.open(state), (client, code, validFor) -> codes.add(code));
    }

    private String pair(URI base, String name) throws Exception {
        HttpResponse<String> start = post(base, RpcPaths.PAIR_START, RpcJson.mapper().writeValueAsString(new PairStartRequest(name)));
        assertEquals(200, start.statusCode(), start.body());
        PairStartResponse s = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);
        String code = codes.poll(5, TimeUnit.SECONDS);
        HttpResponse<String> finish = post(base, RpcPaths.PAIR_FINISH,
                RpcJson.mapper().writeValueAsString(new PairFinishRequest(s.pairingId(), code)));
        assertEquals(200, finish.statusCode(), finish.body());
        return RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
    }

    private int whoami(URI base, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.WHOAMI)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private HttpResponse<String> post(URI base, String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }
}
