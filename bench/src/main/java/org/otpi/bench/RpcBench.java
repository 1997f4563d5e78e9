package org.otpi.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.otpi.appliance.approval.AutoApprover;
import org.otpi.appliance.rpc.FakeDeviceService;
import org.otpi.appliance.rpc.Format;
import org.otpi.appliance.rpc.RpcFixture;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;

/**
 * Device RPC round trips: seal and open over a real loopback socket against the real RpcServer
 * with automatic approval and the FAKE device (so this measures the RPC layer: HTTP, JSON,
 * approval plumbing, worker hand-offs). Baselines from the same run: the fake device called
 * directly, and {@code GET /health} (HTTP with no device work).
 *
 * <pre>
 *   ./mvnw -q -B -o -pl bench -am package -DskipTests
 *   java -cp "bench/target/otpi-bench-0.1.0-SNAPSHOT.jar:bench/target/lib/*" org.otpi.bench.RpcBench [ops] [messageBytes]
 * </pre>
 */
public final class RpcBench {
    private RpcBench() {
    }

    public static void main(String[] args) throws Exception {
        int ops = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        long pad = 4L * (ops + 2000) * 5 * (size + 64);
        try (RpcFixture alice = new RpcFixture(new FakeDeviceService("alice", pad, "bob"), new AutoApprover());
             RpcFixture bob = new RpcFixture(new FakeDeviceService("bob", pad, "alice"), new AutoApprover())) {
            System.out.printf("RpcBench: %d ops per run, %d-byte messages, fake device, --approve=auto, JDK %s, %d CPUs%n",
                    ops, size, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            byte[] message = new byte[size];
            Arrays.fill(message, (byte) 'm');

            // Baseline 1: the fake device in-process (no RPC).
            FakeDeviceService direct = new FakeDeviceService("alice", pad + 2000L * (size + 64), "bob");
            for (int i = 0; i < 2000; i++) {
                direct.seal("bob", message, Format.V2); // warm-up
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < ops; i++) {
                direct.seal("bob", message, Format.V2);
            }
            double directRate = ops / ((System.nanoTime() - t0) / 1e9);
            System.out.printf("  baseline  fake device seal, in-process      %10.0f ops/s%n", directRate);

            List<String> aTokens = new ArrayList<>();
            List<String> bTokens = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                aTokens.add(alice.pair("bench-" + c));
                bTokens.add(bob.pair("bench-" + c));
            }
            // Warm-up.
            run(alice.base, aTokens.subList(0, 1), 2000, i -> health());
            run(alice.base, aTokens.subList(0, 1), 2000, i -> seal(message));

            Result health = run(alice.base, aTokens.subList(0, 1), ops, i -> health());
            print("baseline  GET /health, 1 client", health, health);
            for (int clients : new int[] {1, 4}) {
                Result seal = run(alice.base, aTokens.subList(0, clients), ops, i -> seal(message));
                print("seal, " + clients + " client" + (clients > 1 ? "s" : " "), seal, health);
            }
            // Packages for bob to open: sealed by alice's device (the same fake pair).
            FakeDeviceService sealer = new FakeDeviceService("alice", pad, "bob");
            List<String> packages = new ArrayList<>();
            for (int i = 0; i < 2 * ops + 2000; i++) {
                packages.add(Base64.getEncoder().encodeToString(sealer.seal("bob", message, Format.V2).packageBytes()));
            }
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            run(bob.base, bTokens.subList(0, 1), 2000, i -> open(packages.get(next.getAndIncrement())));
            for (int clients : new int[] {1, 4}) {
                Result open = run(bob.base, bTokens.subList(0, clients), ops / 2 * 2 / clients * clients,
                        i -> open(packages.get(next.getAndIncrement())));
                print("open, " + clients + " client" + (clients > 1 ? "s" : " "), open, health);
            }
        }
    }

    private interface Call {
        HttpRequest.Builder request(int i) throws Exception;
    }

    private record Result(double perSecond, double p50Ms, double p99Ms) {
    }

    private static HttpRequest.Builder health() {
        return HttpRequest.newBuilder().GET();
    }

    private static HttpRequest.Builder seal(byte[] message) throws Exception {
        return json(RpcPaths.SEAL, RpcJson.mapper().writeValueAsBytes(
                new SealRequest("bob", Base64.getEncoder().encodeToString(message), null)));
    }

    private static HttpRequest.Builder open(String pkg) throws Exception {
        return json(RpcPaths.OPEN, RpcJson.mapper().writeValueAsBytes(new OpenRequest("alice", pkg)));
    }

    private static HttpRequest.Builder json(String path, byte[] body) {
        return HttpRequest.newBuilder().header("Content-Type", "application/json")
                .header("X-Path", path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    }

    /** Runs {@code total} calls split over one thread (and one HttpClient) per token. */
    private static Result run(URI base, List<String> tokens, int total, Call call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tokens.size());
        int per = total / tokens.size();
        long[] latencies = new long[per * tokens.size()];
        List<Future<?>> fs = new ArrayList<>();
        long start = System.nanoTime();
        for (int c = 0; c < tokens.size(); c++) {
            int client = c;
            fs.add(pool.submit(() -> {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                for (int i = 0; i < per; i++) {
                    HttpRequest.Builder b = call.request(i);
                    HttpRequest probe = b.copy().uri(base).build();
                    String path = probe.headers().firstValue("X-Path").orElse(RpcPaths.HEALTH);
                    HttpRequest req = b.uri(base.resolve(path)).header("Authorization", "Bearer " + tokens.get(client)).build();
                    long t = System.nanoTime();
                    HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
                    latencies[client * per + i] = System.nanoTime() - t;
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + r.statusCode() + " " + new String(r.body()));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        pool.shutdown();
        Arrays.sort(latencies);
        return new Result(latencies.length / seconds, latencies[latencies.length / 2] / 1e6,
                latencies[(int) Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)] / 1e6);
    }

    private static void print(String name, Result r, Result baseline) {
        System.out.printf("  %-40s %10.0f ops/s   p50 %6.2f ms   p99 %6.2f ms   (%.2fx the /health rate)%n",
                name, r.perSecond(), r.p50Ms(), r.p99Ms(), r.perSecond() / baseline.perSecond());
    }
}
