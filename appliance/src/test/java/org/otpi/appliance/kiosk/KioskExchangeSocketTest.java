package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.device.VaultPads;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.KioskMessage.Done;
import org.otpi.protocol.kiosk.KioskMessage.ExchangeReceive;
import org.otpi.protocol.kiosk.KioskMessage.ExchangeReceived;
import org.otpi.protocol.kiosk.KioskMessage.ExchangeSend;
import org.otpi.protocol.kiosk.KioskMessage.ExchangeSent;
import org.otpi.protocol.kiosk.KioskMessage.Unlock;
import org.otpi.protocol.kiosk.KioskMessage.UnlockReply;
import org.otpi.protocol.kiosk.Views;

/**
 * The exchange through the real kiosk sockets: two devices, each a real vault behind its own
 * {@link KioskServer}, spoken to by bare socket clients exactly as two kiosks would.
 */
class KioskExchangeSocketTest {

    @Test
    void twoKiosks_handAPadOver_throughTheirSockets(@TempDir Path dir) throws Exception {
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            var sink = VaultPads.sink(a, "bob", "bob", 32 * 1024, "kernel");
            byte[] pad = TestVaults.pad(77, 32 * 1024);
            sink.write(pad, 0, pad.length);
            sink.commit();
        }
        Path usb = Files.createDirectories(dir.resolve("otpi-usb"));
        KioskApprover approver = new KioskApprover(Duration.ofSeconds(5), Clock.systemUTC());
        try (Device aliceDevice = device(dir, "alice"); Device bobDevice = device(dir, "bob");
             KioskServer aliceServer = KioskServer.start(dir.resolve("alice.sock"), System.getProperty("user.name"),
                     backend(aliceDevice), approver);
             KioskServer bobServer = KioskServer.start(dir.resolve("bob.sock"), System.getProperty("user.name"),
                     backend(bobDevice), approver);
             RawKiosk alice = new RawKiosk(dir.resolve("alice.sock"));
             RawKiosk bob = new RawKiosk(dir.resolve("bob.sock"))) {
            alice.send(new ExchangeSend(1, "bob", usb.toString()));
            assertEquals("vault locked", alice.await(Done.class, d -> d.id() == 1).error());
            for (RawKiosk k : List.of(alice, bob)) {
                k.send(new Unlock(2, TestVaults.PIN.clone()));
                assertEquals(Views.UnlockResult.Outcome.OK, k.await(UnlockReply.class, r -> r.id() == 2).result().outcome());
            }

            alice.send(new ExchangeSend(3, "bob", usb.toString()));
            ExchangeSent sent = alice.await(ExchangeSent.class, s -> s.id() == 3);
            assertEquals("bob", sent.receiverId());
            assertEquals(32 * 1024, sent.padBytes());
            assertTrue(sent.code().matches("[0-9A-Z]{5}-[0-9A-Z]{5}"));

            bob.send(new ExchangeReceive(4, usb.toString(), "ZZZZZZZZZZ".toCharArray()));
            assertEquals("wrong transfer code: nothing was imported", bob.await(Done.class, d -> d.id() == 4).error());
            bob.send(new ExchangeReceive(5, usb.toString(), sent.code().toCharArray()));
            ExchangeReceived got = bob.await(ExchangeReceived.class, r -> r.id() == 5);
            assertEquals("alice", got.contact());
            assertEquals(sent.fingerprint(), got.fingerprint());
            assertEquals("alice", bobDevice.vault().contacts().get(0).contact());
            try (var files = Files.list(usb)) {
                assertFalse(files.findAny().isPresent(), "the stick is wiped");
            }
        } finally {
            approver.close();
        }
    }

    private static VaultKioskBackend backend(Device device) {
        return new VaultKioskBackend(device, new StandingApprovals(Clock.systemUTC()), null, List::of, List::of);
    }

    private static Device device(Path dir, String name) {
        return new Device(dir.resolve(name + "-medium"), dir.resolve(name + "-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
    }
}
