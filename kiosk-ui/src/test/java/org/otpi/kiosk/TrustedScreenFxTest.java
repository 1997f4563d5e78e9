package org.otpi.kiosk;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultDeviceService;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.testfx.api.FxRobot;

/**
 * The kiosk on alice's real device: a real vault behind {@link VaultKioskBackend} on the kiosk
 * socket and behind {@link VaultDeviceService} on the device RPC (loopback, real sockets), the
 * approvals going to this kiosk as on the device ({@code StandingApprovals} then the screen). Bob
 * is a real vault sharing a pad with alice, driven directly. {@link #laptop} holds a paired
 * laptop's token.
 */
abstract class TrustedScreenFxTest extends KioskFxTest {
    /** Alice's PIN, typed on the keypad. */
    static final String PIN = "471108";

    /**
     * A contact whose pad alice's vault got back from a backup restored on a new SD card (so it
     * is receive-only, issue 11), or null for none. Bob's pad is always a plain, usable one.
     */
    String restoredContact() {
        return null;
    }

    Device alice;
    VaultKioskBackend aliceBackend;
    Vault bob;
    RpcServer rpc;
    URI rpcBase;
    String laptop;

    @Override
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.empty(Clock.systemUTC(), standing); // unused: the real device serves
    }

    @Override
    KioskBackend serverBackend() throws Exception {
        makeVaults();
        alice = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT, Clock.systemUTC());
        aliceBackend = new VaultKioskBackend(alice, standing, null, List::of, List::of);
        ClientRegistry clients = ClientRegistry.open(dir.resolve("alice-state"));
        laptop = clients.issue("alice-laptop");
        rpc = new RpcServer(RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0).withApprovalTimeout(Duration.ofSeconds(30)),
                new VaultDeviceService(alice), standing.orElse(kioskApprover), clients, (c, code, d) -> { }).screen(true);
        rpcBase = URI.create("http://127.0.0.1:" + rpc.start().getPort());
        return aliceBackend;
    }

    /** Alice's and bob's vaults with a shared pad; bob's stays open. */
    void makeVaults() throws Exception {
        byte[] pad = TestVaults.pad(3, 256 * 1024);
        bob = TestVaults.create(dir, "bob");
        bob.importPad("alice", "alice", new java.io.ByteArrayInputStream(pad), pad.length, "imported", "message", null);
        if (restoredContact() == null) {
            try (Vault a = Vault.create(dir.resolve("alice-medium"), dir.resolve("alice-state"), "alice", PIN.toCharArray(),
                    TestVaults.FAST_KDF, VaultPolicy.DEFAULT)) {
                a.importPad("bob", "bob", new java.io.ByteArrayInputStream(pad), pad.length, "imported", "message", null);
            }
            return;
        }
        // alice's old SD card and stick held a pad with this contact; she restores last week's backup
        java.io.ByteArrayOutputStream backup = new java.io.ByteArrayOutputStream();
        char[] pass = "correct horse battery staple".toCharArray();
        byte[] old = TestVaults.pad(9, 512 * 1024);
        try (Vault a = Vault.create(dir.resolve("old-medium"), dir.resolve("old-state"), "alice", PIN.toCharArray(),
                TestVaults.FAST_KDF, VaultPolicy.DEFAULT)) {
            a.importPad(restoredContact(), "carol", new java.io.ByteArrayInputStream(old), old.length, "imported",
                    "message", null);
            a.exportBackup(backup, pass, TestVaults.FAST_KDF);
        }
        try (Vault a = Vault.create(dir.resolve("alice-medium"), dir.resolve("alice-state"), "alice", PIN.toCharArray(),
                TestVaults.FAST_KDF, VaultPolicy.DEFAULT)) {
            a.restoreBackup(new java.io.ByteArrayInputStream(backup.toByteArray()), pass);
            a.importPad("bob", "bob", new java.io.ByteArrayInputStream(pad), pad.length, "imported", "message", null);
        }
    }

    /** The node with this id (ids made from contact names may hold spaces, which CSS lookups cannot). */
    static javafx.scene.Node byId(FxRobot robot, String id) {
        return robot.lookup(n -> id.equals(n.getId())).query();
    }

    @AfterEach
    void closeDevice() {
        if (rpc != null) {
            rpc.close();
        }
        if (aliceBackend != null) {
            aliceBackend.close();
        }
        if (alice != null) {
            alice.close();
        }
        if (bob != null) {
            bob.close();
        }
    }

    /** The PIN typed on the screen unlocks alice's real vault. */
    void unlockAlice(FxRobot robot) {
        waitForConnection();
        typePin(robot, PIN);
        waitFor(alice::unlocked);
        waitFor(() -> visible(robot, "#nav-pads"));
    }

    /** One HTTP request as the laptop sends it; the whole raw answer, read off the socket. */
    String http(String method, String path, String json) {
        try (Socket s = new Socket("127.0.0.1", rpcBase.getPort())) {
            s.setSoTimeout(60_000);
            String body = json == null ? "" : json;
            s.getOutputStream().write((method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Authorization: Bearer " + laptop + (json == null ? "" : "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length) + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.UTF_8));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
