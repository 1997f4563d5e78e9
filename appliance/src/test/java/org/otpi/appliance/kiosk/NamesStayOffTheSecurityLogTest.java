package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.ApplianceRuntime;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.securitylog.Redact;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;

/**
 * Contact and client names never reach the security log file (DESIGN section 5: names are vault
 * metadata; the log is a plain file on the SD card), while every event is still logged (law 6),
 * and the kiosk's Log screen, on the device, shows the names again.
 *
 * <p>The whole appliance runs: real vaults, the RPC on loopback, the kiosk socket with a bare
 * client as the touchscreen. With distinctive names: a laptop pairs, a seal and an open (with a
 * SKIP warning) are approved on the kiosk, a standing approval is granted, a pad is generated and
 * handed over in person to a third device, which imports it; a pad is expired, another deleted,
 * the laptop unpaired. Then the file is searched for every name.
 */
class NamesStayOffTheSecurityLogTest {
    private static final String ME = "Ottilie-Xanthopoulos";
    private static final String PEER_ID = "Zebedee-Quartermaine";
    private static final String PEER = "Zebedee Quartermaine";
    private static final String NEW_PEER = "Hieronymus-Wexley";
    private static final String LAPTOP = "Ottoline-Laptop";
    private static final List<String> NAMES = List.of("Ottilie", "Xanthopoulos", "Zebedee", "Quartermaine",
            "Hieronymus", "Wexley", "Ottoline");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void approvalsExchangesAndKioskActions_leaveNoNameInTheFile_butEveryEventAndTheNamesOnTheScreen(@TempDir Path dir)
            throws Exception {
        List<byte[]> fromPeer = new ArrayList<>();
        try (Vault me = TestVaults.create(dir, ME); Vault peer = TestVaults.create(dir, PEER_ID);
             Vault other = TestVaults.create(dir, NEW_PEER)) {
            TestVaults.share(me, PEER, peer, "Ottilie", TestVaults.pad(11, 128 * 1024));
            fromPeer.add(peer.seal("Ottilie", "first".getBytes(), SealOptions.V2).packageBytes());
            fromPeer.add(peer.seal("Ottilie", "second".getBytes(), SealOptions.V2).packageBytes());
        }
        Path securityLog = Path.of("target/security-test.log");
        long logBefore = Files.exists(securityLog) ? Files.size(securityLog) : 0;
        Path socket = dir.resolve("run/kiosk.sock");
        Path usb = Files.createDirectories(dir.resolve("media/otpi-usb"));
        List<Views.LogEntry> onScreen;
        try (ApplianceRuntime rt = ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve(ME + "-medium"),
                dir.resolve(ME + "-state"), InetAddress.getLoopbackAddress(), 0, null, Duration.ofSeconds(10),
                List.of(), TestVaults.PIN.clone(), socket, System.getProperty("user.name"), null, ApplianceRuntime.Gpio.OFF,
                null, List.of(dir.resolve("no-hrng")), false, new PrintStream(new ByteArrayOutputStream()), List.of()));
             RawKiosk kiosk = new RawKiosk(socket)) {
            URI base = URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort());
            String token = pair(base, kiosk);

            // an approval on the kiosk: a seal for the peer
            var seal = send(base, RpcPaths.SEAL, token, new SealRequest(PEER, Base64.getEncoder().encodeToString(
                    "hello".getBytes()), null), kiosk, true);
            assertEquals(200, seal.statusCode(), seal.body());
            // an open, approved, with a warning (the first package is skipped); and a denied one
            var open = send(base, RpcPaths.OPEN, token, new OpenRequest(PEER, Base64.getEncoder().encodeToString(
                    fromPeer.get(1))), kiosk, true);
            assertEquals(200, open.statusCode(), open.body());
            assertTrue(open.body().contains("SKIP"), open.body());
            assertEquals(403, send(base, RpcPaths.OPEN, token, new OpenRequest(PEER, Base64.getEncoder().encodeToString(
                    fromPeer.get(0))), kiosk, false).statusCode());

            // kiosk actions: a standing approval, a new pad handed over in person, expire
            done(kiosk, new KioskMessage.Grant(100, PEER, 4096, 5));
            kiosk.send(new KioskMessage.GeneratePad(101, NEW_PEER, 32 * 1024));
            assertTrue(kiosk.await(KioskMessage.Done.class, d -> d.id() == 101).ok(), "pad generated");
            kiosk.send(new KioskMessage.ExchangeSend(102, NEW_PEER, usb.toString()));
            KioskMessage.ExchangeSent sent = kiosk.await(KioskMessage.ExchangeSent.class, m -> m.id() == 102);
            try (Device otherDevice = new Device(dir.resolve(NEW_PEER + "-medium"), dir.resolve(NEW_PEER + "-state"),
                    VaultPolicy.DEFAULT, Clock.systemUTC())) {
                VaultKioskBackend receiver = new VaultKioskBackend(otherDevice, new StandingApprovals(Clock.systemUTC()),
                        null, List::of, List::of);
                receiver.unlock(TestVaults.PIN.clone());
                assertEquals(ME, receiver.exchangeReceive(usb.toString(), sent.code().toCharArray()).contact());
                receiver.close();
            }
            done(kiosk, new KioskMessage.ExpirePad(103, PEER));

            // the Log screen, on the device, shows the names
            kiosk.send(new KioskMessage.GetLog(104, 0, 500));
            onScreen = kiosk.await(KioskMessage.LogReply.class, r -> r.id() == 104).entries();

            done(kiosk, new KioskMessage.DeletePad(105, NEW_PEER));
            done(kiosk, new KioskMessage.RevokeClient(106, LAPTOP));
        }

        String file = new String(Files.readAllBytes(securityLog), StandardCharsets.UTF_8).substring((int) logBefore);
        List<String> leaked = new ArrayList<>();
        for (String line : file.split("\n")) {
            for (String name : NAMES) {
                if (line.toLowerCase(Locale.ROOT).contains(name.toLowerCase(Locale.ROOT))) {
                    leaked.add(name + " in: " + line);
                }
            }
        }
        assertEquals(List.of(), leaked, "names in the security log file");

        // law 6: every event is still there, under pseudonyms
        String peer = Redact.contact(PEER);
        String laptop = Redact.client(LAPTOP);
        for (String expected : new String[] {
                "client " + laptop + " paired",
                "for client " + laptop + " SEAL " + peer,
                "client " + laptop + " opened a package from " + peer + " with warnings [SKIP]",
                "for client " + laptop + " OPEN " + peer,
                "denied",
                "granted: contact " + peer,
                "sealed for " + Redact.contact(NEW_PEER) + " onto the transfer medium",
                "imported from " + Redact.contact(ME),
                "handed over from the kiosk",
                "retired locally",
                "pad deleted",
                "client " + laptop + " unpaired on the kiosk"}) {
            assertTrue(file.contains(expected), "the file says \"" + expected + "\":\n" + file);
        }
        assertTrue(onScreen.stream().anyMatch(e -> e.text().contains(LAPTOP) && e.text().contains(PEER)
                && e.text().contains("approved")), "the screen names the laptop and the contact: " + onScreen);
        assertTrue(onScreen.stream().anyMatch(e -> e.contact().equals(PEER) && e.text().contains("SKIP")),
                "the screen's contact column for the skip");
    }

    private static void done(RawKiosk kiosk, KioskMessage.Request r) throws Exception {
        kiosk.send(r);
        KioskMessage.Done d = kiosk.await(KioskMessage.Done.class, x -> x.id() == r.id());
        assertTrue(d.ok(), r + ": " + d.error());
    }

    private String pair(URI base, RawKiosk kiosk) throws Exception {
        HttpResponse<String> start = post(base, RpcPaths.PAIR_START, new PairStartRequest(LAPTOP), null);
        assertEquals(200, start.statusCode(), start.body());
        PairStartResponse s = RpcJson.mapper().readValue(start.body(), PairStartResponse.class);
        KioskMessage.PairingCode shown = kiosk.await(KioskMessage.PairingCode.class);
        HttpResponse<String> finish = post(base, RpcPaths.PAIR_FINISH, new PairFinishRequest(s.pairingId(), shown.code()), null);
        assertEquals(200, finish.statusCode(), finish.body());
        return RpcJson.mapper().readValue(finish.body(), PairFinishResponse.class).token();
    }

    /** Sends a request that needs an approval and answers the kiosk's prompt for it. */
    private HttpResponse<String> send(URI base, String path, String token, Object body, RawKiosk kiosk, boolean approve)
            throws Exception {
        var pending = http.sendAsync(request(base, path, body, token), HttpResponse.BodyHandlers.ofString());
        KioskMessage.ApprovalPrompt prompt = kiosk.await(KioskMessage.ApprovalPrompt.class);
        assertEquals(LAPTOP, prompt.client(), "the screen names the laptop");
        assertEquals(PEER, prompt.contact(), "and the contact");
        kiosk.send(new KioskMessage.Decide(900, prompt.requestId(), approve));
        return pending.get();
    }

    private HttpResponse<String> post(URI base, String path, Object body, String token) throws Exception {
        return http.send(request(base, path, body, token), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(URI base, String path, Object body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RpcJson.mapper().writeValueAsString(body)));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }
}
