package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.CountingApprover;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.Views;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.StreamFrames;

/**
 * A standing approval charges opens by their pad cost, as it charges seals (DESIGN section 8):
 * real vaults, a real RPC server. Opens from bob are approved by the grant while they fit in its
 * budget, and the person is asked once they do not; the grant shows what opens took. A file open,
 * charged an upper bound before its body is read, is settled to its real cost.
 */
class StandingApprovalOpensTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void opensAreChargedByTheirPadCost_andTheGrantShowsIt(@TempDir Path dir) throws Exception {
        List<byte[]> packages = new ArrayList<>();
        byte[] sealedFile;
        byte[] fileText = TestVaults.pad(77, 3000);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", TestVaults.pad(5, 256 * 1024));
            for (int i = 0; i < 3; i++) {
                packages.add(b.seal("alice", ("message " + i + " from bob, a hundred bytes or so of text to open").getBytes(),
                        SealOptions.V2).packageBytes());
            }
            ByteArrayOutputStream f = new ByteArrayOutputStream();
            b.sealFile("alice", new ByteArrayInputStream(fileText), fileText.length, f);
            sealedFile = f.toByteArray();
        }
        long openCost = packages.get(0).length - 26; // v2: |m| + 32, the package is 42 + |m| + 16
        assertEquals(openCost, PackageCost.ofPackage(packages.get(0)));

        Device device = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
        device.unlock(TestVaults.PIN.clone());
        StandingApprovals standing = new StandingApprovals(Clock.systemUTC());
        CountingApprover person = new CountingApprover(CountingApprover.Mode.DENY);
        BlockingQueue<String> codes = new LinkedBlockingQueue<>();
        RpcConfig config = RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0).withApprovalTimeout(Duration.ofSeconds(5));
        try (RpcServer server = new RpcServer(config, new VaultDeviceService(device), standing.orElse(person),
                ClientRegistry.open(dir.resolve("alice-state")), (client, code, validFor) -> codes.add(code))) {
            URI base = URI.create("http://127.0.0.1:" + server.start().getPort());
            String token = pair(base, codes);
            StandingApprovals.Grant grant = standing.grant("bob", 2 * openCost + 10, Duration.ofMinutes(5));

            assertEquals(200, open(base, token, packages.get(0)).statusCode(), "first open: the grant covers it");
            assertEquals(200, open(base, token, packages.get(1)).statusCode(), "second open: still within budget");
            assertEquals(0, person.requests.size(), "nobody was asked so far");
            Views.Grant shown = KioskBackend.view(standing.active().get(0));
            assertEquals(2 * openCost, shown.usedBytes(), "each open charged its pad cost");
            assertEquals(2 * openCost, shown.openedBytes(), "shown as charged by opens");
            assertEquals(10, shown.remainingBytes());

            assertEquals(403, open(base, token, packages.get(2)).statusCode(), "over budget: the person is asked (and denies)");
            assertEquals(1, person.requests.size());
            ApprovalRequest asked = person.requests.get(0);
            assertEquals(ApprovalRequest.Operation.OPEN, asked.operation());
            assertEquals(openCost, asked.padBytes(), "the person sees the open's pad cost, not 0");

            // a file open: charged an upper bound up front, then settled to what it really used
            standing.revoke(grant.id());
            long fileCost = sealedFile.length - 26L;
            StandingApprovals.Grant g2 = standing.grant("bob", 4 * sealedFile.length, Duration.ofMinutes(5));
            HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.FILE_OPEN + "?contact=bob"))
                    .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(sealedFile))
                    .build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            try (InputStream in = r.body()) {
                StreamFrames.Frame frame;
                while ((frame = StreamFrames.read(in)) != null && frame.type() == StreamFrames.DATA) {
                    plain.write(frame.payload());
                }
                assertTrue(frame != null && frame.type() == StreamFrames.SUMMARY, "ended with a summary");
            }
            assertTrue(java.util.Arrays.equals(fileText, plain.toByteArray()), "the file opened");
            StandingApprovals.Grant after = standing.active().stream().filter(x -> x.id().equals(g2.id())).findFirst()
                    .orElseThrow();
            assertEquals(fileCost, after.usedBytes(), "settled to the file's real pad cost");
            assertEquals(fileCost, after.openedBytes());
            assertEquals(1, person.requests.size(), "the grant covered the file open");
        } finally {
            device.close();
        }
    }

    private HttpResponse<String> open(URI base, String token, byte[] pkg) throws Exception {
        String json = RpcJson.mapper().writeValueAsString(new OpenRequest("bob", Base64.getEncoder().encodeToString(pkg)));
        return http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.OPEN)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String pair(URI base, BlockingQueue<String> codes) throws Exception {
        HttpResponse<String> start = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.PAIR_START))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        RpcJson.mapper().writeValueAsString(new PairStartRequest("laptop")))).build(),
                HttpResponse.BodyHandlers.ofString());
        PairStartResponse s = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);
        String code = codes.poll(5, TimeUnit.SECONDS);
        HttpResponse<String> finish = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.PAIR_FINISH))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        RpcJson.mapper().writeValueAsString(new PairFinishRequest(s.pairingId(), code)))).build(),
                HttpResponse.BodyHandlers.ofString());
        return RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
    }
}
