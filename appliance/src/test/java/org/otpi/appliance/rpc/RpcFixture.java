package org.otpi.appliance.rpc;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.otpi.appliance.approval.Approver;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;

/**
 * TEST-ONLY: a real {@link RpcServer} on a loopback port with a fake device, a temp state dir,
 * and a pairing display the test can read the codes from.
 */
public final class RpcFixture implements AutoCloseable {
    public final FakeDeviceService device;
    public final Approver approver;
    public final RpcServer server;
    public final Path stateDir;
    public final URI base;
    public final BlockingQueue<String> codes = new LinkedBlockingQueue<>();
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RpcFixture(FakeDeviceService device, Approver approver) throws Exception {
        this(device, approver, c -> c);
    }

    public RpcFixture(FakeDeviceService device, Approver approver,
                      java.util.function.UnaryOperator<RpcConfig> tune) throws Exception {
        this.device = device;
        this.approver = approver;
        this.stateDir = Files.createTempDirectory("otpi-rpc-state");
        RpcConfig config = tune.apply(RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0)
                .withApprovalTimeout(Duration.ofSeconds(5)));
        PairingDisplay display = (client, code, validFor) -> codes.add(code);
        this.server = new RpcServer(config, device, approver, ClientRegistry.open(stateDir), display);
        InetSocketAddress addr = server.start();
        this.base = URI.create("http://127.0.0.1:" + addr.getPort());
    }

    public int port() {
        return server.address().getPort();
    }

    /** Pairs a client under {@code name} through the real HTTP API; returns its token. */
    public String pair(String name) throws IOException, InterruptedException {
        HttpResponse<String> start = post(RpcPaths.PAIR_START, RpcJson.mapper().writeValueAsString(new PairStartRequest(name)), null);
        if (start.statusCode() != 200) {
            throw new IOException("pair start " + start.statusCode() + " " + start.body());
        }
        PairStartResponse s = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);
        String code = codes.poll(5, TimeUnit.SECONDS);
        HttpResponse<String> finish = post(RpcPaths.PAIR_FINISH,
                RpcJson.mapper().writeValueAsString(new PairFinishRequest(s.pairingId(), code)), null);
        if (finish.statusCode() != 200) {
            throw new IOException("pair finish " + finish.statusCode());
        }
        return RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
    }

    public HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String json, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean closed;

    /** Stops the server and deletes the state; a second call does nothing. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        server.close();
        try (Stream<Path> s = Files.walk(stateDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
