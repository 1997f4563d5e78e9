package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.ApplianceRuntime;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;

/**
 * The trusted screen over the real appliance (DESIGN section 8): {@code ApplianceRuntime} with a
 * real vault, its device RPC on loopback and its kiosk socket, a bare kiosk client and a raw HTTP
 * laptop. No kiosk means {@code no_approver} at the laptop; the prompt carries the exact text; a
 * laptop that leaves takes its prompt down; "read here" keeps the message for the screen; text
 * written on the screen leaves as ciphertext only.
 */
class KioskTrustedScreenTest {
    @TempDir
    Path dir;
    private ApplianceRuntime rt;
    private Vault bob;
    private String token;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        try (Vault a = TestVaults.create(dir, "alice")) {
            bob = TestVaults.create(dir, "bob");
            TestVaults.share(a, "bob", bob, "alice", TestVaults.pad(5, 200_000));
        }
        token = ClientRegistry.open(dir.resolve("alice-state")).issue("alice-laptop");
        socket = dir.resolve("kiosk.sock");
        rt = ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve("alice-medium"), dir.resolve("alice-state"),
                InetAddress.getLoopbackAddress(), 0, null, Duration.ofSeconds(10), List.of(), TestVaults.PIN.clone(), socket,
                System.getProperty("user.name"), null, ApplianceRuntime.Gpio.OFF, null, List.of(dir.resolve("no-hrng")),
                false, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), List.of()));
    }

    @AfterEach
    void stop() {
        rt.close();
        bob.close();
    }

    @Test
    void noKioskConnected_reachesTheLaptopAsNoApprover_andSoDoesAKioskThatLeavesMidPrompt() throws Exception {
        String seal = "{\"contact\":\"bob\",\"message\":\"aGk=\"}";
        String answer = http("POST", RpcPaths.SEAL, seal);
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("\"code\":\"no_approver\""), answer);

        RawKiosk kiosk = new RawKiosk(socket);
        waitForSession(kiosk);
        CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.SEAL, seal));
        kiosk.await(KioskMessage.ApprovalPrompt.class);
        kiosk.close(); // the kiosk crashes while the person decides
        String left = pending.get();
        assertTrue(left.contains("\"code\":\"no_approver\""), left);
        assertEquals(0, rt.device().vault().stats("bob").sendUsed());
    }

    @Test
    void thePromptCarriesTheTextToBeSealed_andALaptopThatLeavesTakesItDown() throws Exception {
        byte[] text = "Transfer 9,000 to account 0042\u200b-7".getBytes(StandardCharsets.UTF_8);
        try (RawKiosk kiosk = new RawKiosk(socket)) {
            waitForSession(kiosk);
            String json = "{\"contact\":\"bob\",\"message\":\"" + Base64.getEncoder().encodeToString(text) + "\"}";
            try (Socket laptop = new Socket("127.0.0.1", rt.rpcAddress().getPort())) {
                laptop.getOutputStream().write(("POST " + RpcPaths.SEAL + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json)
                        .getBytes(StandardCharsets.US_ASCII));
                KioskMessage.ApprovalPrompt p = kiosk.await(KioskMessage.ApprovalPrompt.class);
                assertArrayEquals(text, Base64.getDecoder().decode(p.text()), "the screen gets the very bytes");
                assertEquals("bob", p.contact());
                assertEquals("bob", p.contactId());
                assertEquals("alice-laptop", p.client());
                assertEquals(text.length, p.messageLength());
                assertFalse(p.toString().contains("9,000"));
            }
            KioskMessage.ApprovalClosed closed = kiosk.await(KioskMessage.ApprovalClosed.class);
            assertEquals(KioskMessage.ApprovalClosed.LAPTOP_GONE, closed.reason());
            assertFalse(closed.approved());
        }
        assertEquals(0, rt.device().vault().stats("bob").sendUsed());
    }

    @Test
    void readHere_keepsTheMessageForTheScreen_whichShowsAndDestroysIt() throws Exception {
        String secret = "Ferry at 06:10, pier 3. Tell no one.";
        byte[] pkg = bob.seal("alice", secret.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        try (RawKiosk kiosk = new RawKiosk(socket)) {
            waitForSession(kiosk);
            CompletableFuture<String> laptop = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.OPEN,
                    "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}"));
            KioskMessage.ApprovalPrompt p = kiosk.await(KioskMessage.ApprovalPrompt.class);
            assertEquals("OPEN", p.operation());
            assertEquals(secret.length(), p.messageLength(), "the message's size, not the package's");
            assertEquals("", p.text(), "nothing of an open is shown before it is opened");
            kiosk.send(new KioskMessage.Decide(1, p.requestId(), true, true));
            String answer = laptop.get();
            assertTrue(answer.contains("\"shownOnDevice\":true"), answer);
            assertFalse(answer.contains("Ferry"), answer);
            assertFalse(answer.contains(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)).substring(0, 20)));

            kiosk.send(new KioskMessage.GetInbox(2));
            KioskMessage.InboxReply inbox = kiosk.await(KioskMessage.InboxReply.class, r -> r.id() == 2);
            assertEquals(1, inbox.messages().size());
            Views.DeviceMessage m = inbox.messages().get(0);
            assertEquals("bob", m.contact());
            assertEquals(secret.length(), m.length());
            assertEquals(Device.DEFAULT_KEEP.toMinutes(), inbox.keepMinutes());
            kiosk.send(new KioskMessage.ReadMessage(3, m.id()));
            KioskMessage.MessageText shown = kiosk.await(KioskMessage.MessageText.class, r -> r.id() == 3);
            assertEquals(secret, new String(Base64.getDecoder().decode(shown.text()), StandardCharsets.UTF_8));
            assertFalse(shown.toString().contains("Ferry"));

            kiosk.send(new KioskMessage.DestroyMessage(4, m.id()));
            assertTrue(kiosk.await(KioskMessage.Done.class, d -> d.id() == 4).ok());
            assertTrue(rt.device().vault().onDevice().messages().isEmpty(), "destroyed in the vault");
            kiosk.send(new KioskMessage.ReadMessage(5, m.id()));
            assertFalse(kiosk.await(KioskMessage.Done.class, d -> d.id() == 5).ok(), "gone for good");

            kiosk.send(new KioskMessage.SetKeep(6, 60));
            assertTrue(kiosk.await(KioskMessage.Done.class, d -> d.id() == 6).ok());
            assertEquals(Duration.ofHours(1), rt.device().keepOnDevice());
        }
    }

    @Test
    void writtenOnTheScreen_leavesOnlyAsCiphertext_thatBobsDeviceOpens() throws Exception {
        String text = "Written on the device: the laptop never sees this line.";
        try (RawKiosk kiosk = new RawKiosk(socket)) {
            waitForSession(kiosk);
            kiosk.send(new KioskMessage.Compose(1, "bob", text));
            KioskMessage.Composed c = kiosk.await(KioskMessage.Composed.class, r -> r.id() == 1);
            assertEquals(text.length() + 32, c.padUsed());
            assertFalse(new KioskMessage.Compose(1, "bob", text).toString().contains("laptop never"));
            kiosk.send(new KioskMessage.GetInbox(2));
            assertEquals(1, kiosk.await(KioskMessage.InboxReply.class, r -> r.id() == 2).outgoing());
        }
        String answer = http("GET", RpcPaths.OUTBOX, null);
        assertFalse(answer.contains("laptop never"), answer);
        JsonNode p = RpcJson.mapper().readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("packages").get(0);
        assertEquals(text, new String(bob.open("alice", Base64.getDecoder().decode(p.get("packageData").asText())).message(),
                StandardCharsets.UTF_8));
        String ack = http("POST", RpcPaths.OUTBOX_ACK, "{\"id\":\"" + p.get("id").asText() + "\"}");
        assertTrue(ack.contains("\"forgotten\":true"), ack);
    }

    @Test
    void onTheRealBackend_aWrongPinSaysHowManyAttemptsAreLeft_andAReceiveOnlyPadSkipsAheadByTheAmountChosen()
            throws Exception {
        rt.close();
        // a backup restored on a new SD card: receive-only for bob
        ByteArrayOutputStream backup = new ByteArrayOutputStream();
        char[] pass = "correct horse battery".toCharArray();
        try (Vault a = TestVaults.unlock(dir, "alice")) {
            a.exportBackup(backup, pass, TestVaults.FAST_KDF);
        }
        Path medium = dir.resolve("alice2-medium");
        Path state = dir.resolve("alice2-state");
        try (Vault a = Vault.create(medium, state, "alice", TestVaults.PIN, TestVaults.FAST_KDF, VaultPolicy.DEFAULT)) {
            a.restoreBackup(new ByteArrayInputStream(backup.toByteArray()), pass);
        }
        try (Device device = new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC())) {
            VaultKioskBackend backend = new VaultKioskBackend(device, new StandingApprovals(Clock.systemUTC()), null,
                    List::of, List::of);
            Views.UnlockResult wrong = backend.unlock("0000".toCharArray());
            assertEquals(Views.UnlockResult.Outcome.WRONG, wrong.outcome());
            assertEquals(VaultPolicy.DEFAULT.maxFailures() - 1, wrong.attemptsLeft(), "the number the vault counts, never -1");
            assertEquals(Views.UnlockResult.Outcome.OK, backend.unlock(TestVaults.PIN.clone()).outcome());

            Views.Contact before = backend.contacts().get(0);
            assertTrue(before.receiveOnly());
            KioskBackend.Failure refused = org.junit.jupiter.api.Assertions.assertThrows(KioskBackend.Failure.class,
                    () -> backend.compose("bob", "too soon".getBytes(StandardCharsets.UTF_8)));
            assertTrue(refused.getMessage().contains("receive-only"), refused.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(KioskBackend.Failure.class,
                    () -> backend.skipAhead("bob", before.sendRemaining() + 1));
            long tenth = before.sendRemaining() / 10;
            backend.skipAhead("bob", tenth);
            Views.Contact after = backend.contacts().get(0);
            assertFalse(after.receiveOnly());
            assertEquals(before.sendRemaining() - tenth, after.sendRemaining());
            backend.compose("bob", "back again".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, backend.outgoingCount());

            backend.setReadOnDevice("bob", true);
            assertTrue(backend.contacts().get(0).readOnDevice());
            backend.close();
        }
    }

    /** A reply proves the session is registered (it is, before its reader starts). */
    private static void waitForSession(RawKiosk kiosk) throws Exception {
        kiosk.send(new KioskMessage.GetStatus(999));
        kiosk.await(KioskMessage.StatusReply.class, r -> r.id() == 999);
    }

    /** One request over a raw socket; the whole raw answer. */
    private String http(String method, String path, String json) {
        try (Socket s = new Socket("127.0.0.1", rt.rpcAddress().getPort())) {
            s.setSoTimeout(20_000);
            String body = json == null ? "" : json;
            s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                    + token + (json == null ? "" : "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length) + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
