package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.CountingApprover;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.appliance.vault.DeviceMessage;
import org.otpi.appliance.vault.OutgoingPackage;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.rpc.FileFingerprint;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.StreamFrames;

/**
 * The device RPC over real loopback sockets in front of real vaults (DESIGN section 8): what the
 * approval carries is what the vault knows and what will be sealed; a message read on the device
 * never appears in the raw HTTP answer; packages written on the device leave as ciphertext only;
 * a file that is not the one fingerprinted makes no package; a laptop that goes away takes its
 * question off the screen.
 */
class RpcTrustedScreenTest {
    @TempDir
    Path dir;
    private Device alice;
    private Vault bob;
    private RpcServer server;
    private CountingApprover approver;
    private URI base;
    private String token;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        byte[] pad = TestVaults.pad(14, 2 * 1024 * 1024);
        try (Vault a = TestVaults.create(dir, "alice")) {
            bob = TestVaults.create(dir, "bob");
            TestVaults.share(a, "bob", bob, "alice", pad);
        }
        alice = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT, Clock.systemUTC());
        alice.unlock(TestVaults.PIN.clone());
        approver = new CountingApprover(CountingApprover.Mode.APPROVE);
        ClientRegistry clients = ClientRegistry.open(dir.resolve("alice-state"));
        token = clients.issue("alice-laptop");
        server = new RpcServer(RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0).withApprovalTimeout(Duration.ofSeconds(5)),
                new VaultDeviceService(alice), approver, clients, (c, code, d) -> { }).screen(true);
        base = URI.create("http://127.0.0.1:" + server.start().getPort());
    }

    @AfterEach
    void stop() {
        server.close();
        alice.close();
        bob.close();
    }

    @Test
    void sealApproval_carriesTheExactBytesAndTheVaultsContact_andADenialUsesNoPad() throws Exception {
        approver.mode(CountingApprover.Mode.DENY);
        byte[] sent = "Meet at the bridge at 11.\u202e\u001b[2J\nBring the documents.".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = post(RpcPaths.SEAL, "{\"contact\":\"bob\",\"message\":\""
                + Base64.getEncoder().encodeToString(sent) + "\"}");
        assertEquals(403, r.statusCode());
        assertEquals("denied", RpcJson.mapper().readTree(r.body()).get("code").asText());
        ApprovalRequest asked = approver.requests.get(0);
        assertArrayEquals(sent, asked.details().text(), "the screen gets exactly what would be sealed");
        assertEquals("bob", asked.contact());
        assertEquals("bob", asked.details().contactId(), "the contact's id from the vault");
        assertEquals(sent.length, asked.messageLength());
        assertEquals(sent.length + 32, asked.padBytes());
        assertFalse(asked.toString().contains("bridge"), "the text never reaches a log through toString");
        assertEquals(0, alice.vault().stats("bob").sendUsed(), "denied: no pad used");
    }

    @Test
    void readOnDevice_theRawAnswerHoldsNoPlaintext_theVaultKeepsIt_andARetryIsARepeat() throws Exception {
        String secret = "The safe combination is 31-17-42; burn this.";
        byte[] pkg = bob.seal("alice", secret.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        alice.vault().onDevice().setReadOnDevice("bob", true);
        approver.mode(CountingApprover.Mode.APPROVE);

        byte[] raw = rawPost(RpcPaths.OPEN, "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}");
        String answer = new String(raw, StandardCharsets.ISO_8859_1);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertNoTrace(raw, secret);
        JsonNode body = RpcJson.mapper().readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
        assertTrue(body.get("shownOnDevice").asBoolean());
        assertEquals("", body.get("message").asText());
        ApprovalRequest asked = approver.requests.get(0);
        assertTrue(asked.details().readOnDevice(), "the screen says this contact is read on the device");
        assertEquals(secret.length(), asked.messageLength(), "the message's length, not the package's");
        assertEquals(0, asked.details().text().length, "an open shows no text before it is opened");

        List<DeviceMessage> kept = alice.vault().onDevice().messages();
        assertEquals(1, kept.size());
        assertEquals("bob", kept.get(0).contact());
        assertEquals(secret.length(), kept.get(0).length());
        assertArrayEquals(secret.getBytes(StandardCharsets.UTF_8), alice.vault().onDevice().read(kept.get(0).id()));

        // the laptop lost the answer and asks again: the same, marked as a repeat, still no text
        byte[] again = rawPost(RpcPaths.OPEN, "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}");
        assertNoTrace(again, secret);
        String a2 = new String(again, StandardCharsets.ISO_8859_1);
        JsonNode body2 = RpcJson.mapper().readTree(a2.substring(a2.indexOf("\r\n\r\n") + 4));
        assertTrue(body2.get("repeat").asBoolean() && body2.get("shownOnDevice").asBoolean(), a2);
        assertEquals(1, alice.vault().onDevice().messages().size());

        // a file open of a package from this contact would undo the setting: refused before anyone is asked
        int asks = approver.requests.size();
        byte[] another = bob.seal("alice", "second".getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        HttpResponse<String> file = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.FILE_OPEN + "?contact=bob"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(another)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, file.statusCode());
        assertTrue(file.body().contains("read_on_device"), file.body());
        assertEquals(asks, approver.requests.size());

        // without a screen (buttons only) such a message cannot be opened for anyone
        server.screen(false);
        HttpResponse<String> noScreen = post(RpcPaths.OPEN, "{\"contact\":\"bob\",\"packageData\":\""
                + Base64.getEncoder().encodeToString(another) + "\"}");
        assertEquals(409, noScreen.statusCode());
        assertEquals("no_screen", RpcJson.mapper().readTree(noScreen.body()).get("code").asText());
        assertEquals(asks, approver.requests.size(), "nobody is asked for what cannot be shown");
    }

    @Test
    void readHere_perMessage_keepsItOnTheDevice_evenWithTheSettingOff() throws Exception {
        String secret = "only for the screen";
        byte[] pkg = bob.seal("alice", secret.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        approver.mode(CountingApprover.Mode.APPROVE_ON_DEVICE);
        byte[] raw = rawPost(RpcPaths.OPEN, "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}");
        assertNoTrace(raw, secret);
        assertTrue(new String(raw, StandardCharsets.ISO_8859_1).contains("\"shownOnDevice\":true"));
        assertEquals(1, alice.vault().onDevice().messages().size());
        assertTrue(alice.vault().onDevice().messages().get(0).expiresAt() > System.currentTimeMillis() + Duration.ofDays(6).toMillis(),
                "kept for the default week");

        // "read here" is an answer to an open only: for a seal it is a denial
        HttpResponse<String> seal = post(RpcPaths.SEAL, "{\"contact\":\"bob\",\"message\":\"aGk=\"}");
        assertEquals(403, seal.statusCode());
        assertEquals(0, alice.vault().stats("bob").sendUsed());
    }

    @Test
    void outbox_carriesOnlyCiphertext_thatTheOtherDeviceOpens_andAnAckForgetsIt() throws Exception {
        String text = "written on alice's screen, never on her laptop";
        OutgoingPackage written = alice.vault().onDevice().seal("bob", text.getBytes(StandardCharsets.UTF_8), SealOptions.V2);
        DeviceMessage kept = keepOne("kept for the screen");

        byte[] raw = rawGet(RpcPaths.OUTBOX);
        assertNoTrace(raw, text);
        String answer = new String(raw, StandardCharsets.ISO_8859_1);
        JsonNode list = RpcJson.mapper().readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("packages");
        assertEquals(1, list.size());
        JsonNode p = list.get(0);
        assertEquals(written.id(), p.get("id").asText());
        assertEquals("bob", p.get("to").asText());
        byte[] pkg = Base64.getDecoder().decode(p.get("packageData").asText());
        assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), bob.open("alice", pkg).message(), "bob's device opens it");

        // the laptop cannot use the outbox to destroy a message kept for the screen
        HttpResponse<String> wrong = post(RpcPaths.OUTBOX_ACK, "{\"id\":\"" + kept.id() + "\"}");
        assertEquals(200, wrong.statusCode());
        assertFalse(RpcJson.mapper().readTree(wrong.body()).get("forgotten").asBoolean());
        assertEquals(1, alice.vault().onDevice().messages().size());

        HttpResponse<String> ack = post(RpcPaths.OUTBOX_ACK, "{\"id\":\"" + written.id() + "\"}");
        assertTrue(RpcJson.mapper().readTree(ack.body()).get("forgotten").asBoolean());
        assertFalse(RpcJson.mapper().readTree(post(RpcPaths.OUTBOX_ACK, "{\"id\":\"" + written.id() + "\"}").body())
                .get("forgotten").asBoolean(), "a second ack is fine");
        assertTrue(alice.vault().onDevice().outgoing().isEmpty());
        assertEquals(400, post(RpcPaths.OUTBOX_ACK, "{\"id\":\"../items\"}").statusCode());
        assertEquals(401, http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.OUTBOX)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(approver.requests.isEmpty(), "carrying uses no pad: nobody is asked");
    }

    @Test
    void fileSeal_showsTheFingerprint_andABodyThatIsNotThatFileMakesNoPackage() throws Exception {
        byte[] approved = new byte[300_000];
        new java.util.Random(1).nextBytes(approved);
        byte[] swapped = approved.clone();
        swapped[299_999] ^= 1; // the last byte: the device has streamed most of it already
        String sha = HexFormat.of().formatHex(FileFingerprint.digest().digest(approved));
        long before = alice.vault().stats("bob").sendUsed();

        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.FILE_SEAL + "?contact=bob&sha256="
                        + sha + "&name=report%20final.pdf"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(swapped)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        ApprovalRequest asked = approver.requests.get(0);
        assertEquals(FileFingerprint.shortForm(sha), asked.details().fingerprint());
        assertEquals("report final.pdf", asked.details().fileName());
        assertEquals(300_000, asked.messageLength());
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String error = null;
        boolean summary = false;
        assertEquals(200, r.statusCode(), "data frames went out before the last byte arrived");
        try (InputStream in = r.body()) {
            StreamFrames.Frame f;
            while ((f = StreamFrames.read(in)) != null) {
                switch (f.type()) {
                    case StreamFrames.DATA -> data.write(f.payload());
                    case StreamFrames.SUMMARY -> summary = true;
                    default -> error = new String(f.payload(), StandardCharsets.UTF_8);
                }
            }
        }
        assertFalse(summary, "no summary: the package is not complete");
        assertTrue(error != null && error.contains("fingerprint_mismatch"), String.valueOf(error));
        assertTrue(data.size() > 0 && data.size() < 42 + 300_000, "the last bytes and the tag were never written: "
                + data.size() + " bytes");
        assertEquals(before + 300_032, alice.vault().stats("bob").sendUsed(), "the reserved pad is spent (destroyed), never reused");

        // the right file with its fingerprint seals, and bob opens it
        HttpResponse<InputStream> ok = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.FILE_SEAL + "?contact=bob&sha256=" + sha))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(approved)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream sealed = new ByteArrayOutputStream();
        if (ok.statusCode() != 200) {
            throw new AssertionError(ok.statusCode() + " " + new String(ok.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        try (InputStream in = ok.body()) {
            StreamFrames.Frame f;
            while ((f = StreamFrames.read(in)) != null) {
                if (f.type() == StreamFrames.DATA) {
                    sealed.write(f.payload());
                } else {
                    assertEquals(StreamFrames.SUMMARY, f.type(), new String(f.payload(), StandardCharsets.UTF_8));
                }
            }
        }
        assertArrayEquals(approved, bob.open("alice", sealed.toByteArray()).message());

        // without a fingerprint a file is not sealed at all
        HttpResponse<String> bare = http.send(HttpRequest.newBuilder(base.resolve(RpcPaths.FILE_SEAL + "?contact=bob"))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofByteArray(approved)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bare.statusCode());
        assertEquals(2, approver.requests.size());
    }

    @Test
    void aLaptopThatDisconnects_takesItsQuestionOffTheScreen() throws Exception {
        approver.mode(CountingApprover.Mode.HOLD);
        String json = "{\"contact\":\"bob\",\"message\":\"aGk=\"}";
        try (Socket s = new Socket("127.0.0.1", base.getPort())) {
            s.getOutputStream().write(("POST " + RpcPaths.SEAL + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json)
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertTrueWithin(() -> approver.requests.size() == 1);
        }
        String id = approver.requests.get(0).id();
        assertTrueWithin(() -> approver.reasons.contains(id + ": " + Approver.LAPTOP_GONE));
        approver.held.take().complete(Decision.APPROVE); // a late yes finds nobody: nothing is sealed
        Thread.sleep(300);
        assertEquals(0, alice.vault().stats("bob").sendUsed());
    }

    // ---- helpers -----------------------------------------------------------------------------

    private DeviceMessage keepOne(String text) throws Exception {
        byte[] pkg = bob.seal("alice", text.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        return alice.vault().onDevice().open("bob", pkg, 0);
    }

    /** Neither the text nor its base64 (any alignment) nor its hex is anywhere in {@code raw}. */
    static void assertNoTrace(byte[] raw, String text) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        assertFalse(all.contains(new String(t, StandardCharsets.ISO_8859_1)), "plaintext in the answer");
        for (int shift = 0; shift < 3; shift++) {
            String b64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(t, shift, t.length));
            assertFalse(all.contains(b64.substring(4, b64.length() - 4)), "base64 of the plaintext in the answer");
        }
        assertFalse(all.toLowerCase(java.util.Locale.ROOT).contains(HexFormat.of().formatHex(t, 0, Math.min(t.length, 12))),
                "hex of the plaintext in the answer");
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The whole raw HTTP answer (status line, headers, body) to a POST, read off the socket. */
    private byte[] rawPost(String path, String json) throws Exception {
        return raw("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " + token
                + "\r\nContent-Type: application/json\r\nContent-Length: " + json.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n" + json);
    }

    private byte[] rawGet(String path) throws Exception {
        return raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " + token + "\r\n\r\n");
    }

    private byte[] raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", base.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            return s.getInputStream().readAllBytes();
        }
    }

    private static void assertTrueWithin(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 5 s");
            }
            Thread.sleep(20);
        }
    }
}
