package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.kiosk.KioskBackend.Failure;
import org.otpi.appliance.securitylog.SecurityEvents;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.Views;

/**
 * The in-person exchange from the kiosk, on two real vaults and one "USB stick": alice's kiosk
 * generates a pad for bob and hands it over; bob's kiosk takes it with the code read aloud. Same
 * crypto and medium wiping as {@code otpi-admin exchange-send/-receive}.
 */
class VaultKioskExchangeTest {

    @Test
    void padHandedOverOnTheKiosk_opensWithTheCodeOnly_andCarriesMessagesBothWays(@TempDir Path dir) throws Exception {
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            assertEquals("bob", b.deviceId());
        }
        Path usb = Files.createDirectories(dir.resolve("media/otpi-usb"));
        try (Device aliceDevice = device(dir, "alice"); Device bobDevice = device(dir, "bob");
             EntropyService entropy = EntropyService.start(new EntropyService.Config(List.of(dir.resolve("no-hrng")),
                     50_000, HealthParameters.DEFAULT, false, 0), e -> { })) {
            VaultKioskBackend alice = new VaultKioskBackend(aliceDevice, new StandingApprovals(Clock.systemUTC()), entropy,
                    List::of, List::of);
            VaultKioskBackend bob = new VaultKioskBackend(bobDevice, new StandingApprovals(Clock.systemUTC()), null,
                    List::of, List::of);
            long logBefore = lastSeq();

            assertEquals("vault locked", assertThrows(Failure.class, () -> alice.exchangeSend("bob", usb.toString()))
                    .getMessage());
            assertEquals("vault locked", assertThrows(Failure.class,
                    () -> bob.exchangeReceive(usb.toString(), "AAAAAAAAAA".toCharArray())).getMessage());
            assertEquals(Views.UnlockResult.Outcome.OK, alice.unlock(TestVaults.PIN.clone()).outcome());
            assertEquals(Views.UnlockResult.Outcome.OK, bob.unlock(TestVaults.PIN.clone()).outcome());

            // the contact is named by the other device's id, as the kiosk's pads screen says
            alice.generatePad("bob", 96 * 1024, (done, total) -> { }).done().get(60, TimeUnit.SECONDS);
            assertThrows(Failure.class, () -> alice.exchangeSend("nobody", usb.toString()), "unknown contact");
            assertTrue(assertThrows(Failure.class, () -> alice.exchangeSend("bob", "media/otpi-usb")).getMessage()
                    .contains("absolute"));
            assertTrue(assertThrows(Failure.class, () -> alice.exchangeSend("bob", dir.resolve("alice-medium").toString()))
                    .getMessage().contains("vault's own medium"));

            // a damaged package imports nothing; the pad is still fresh and goes again, under a new code
            KioskBackend.HandedOver first = alice.exchangeSend("bob", usb.toString());
            Path pkg = usb.resolve("OTPI-PAD.XFR");
            assertTrue(Files.isRegularFile(pkg));
            try (FileChannel ch = FileChannel.open(pkg, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
                ch.read(one, ch.size() - 1);
                one.put(0, (byte) (one.get(0) ^ 1)).rewind();
                ch.write(one, ch.size() - 1);
            }
            Failure damaged = assertThrows(Failure.class, () -> bob.exchangeReceive(usb.toString(), first.code().clone()));
            assertTrue(damaged.getMessage().contains("damaged"), damaged.getMessage());
            assertTrue(bob.contacts().isEmpty(), "a damaged package imported something");

            KioskBackend.HandedOver sent = alice.exchangeSend("bob", usb.toString());
            String code = new String(sent.code());
            assertTrue(code.matches("[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}"), "shown as ABCDE-FGHJK");
            assertFalse(code.equals(new String(first.code())), "a new code for the new package");
            assertEquals("bob", sent.receiverId());
            assertEquals(96 * 1024, sent.padBytes());
            assertEquals(6, sent.fingerprint().size());
            assertFalse(sent.toString().contains(code), "the code is hidden in toString");

            // a wrong code: nothing imported, the package stays for the right one
            Failure wrong = assertThrows(Failure.class,
                    () -> bob.exchangeReceive(usb.toString(), "AAAAA-AAAAA".toCharArray()));
            assertEquals("wrong transfer code: nothing was imported", wrong.getMessage());
            assertTrue(bob.contacts().isEmpty());
            assertTrue(Files.isRegularFile(pkg), "the package stays after a wrong code");
            assertTrue(assertThrows(Failure.class, () -> bob.exchangeReceive(usb.toString(), "12345".toCharArray()))
                    .getMessage().contains("not a transfer code"));

            // typed as a person would: lower case, a space instead of the dash
            KioskBackend.Received got = bob.exchangeReceive(usb.toString(), code.toLowerCase().replace('-', ' ').toCharArray());
            assertEquals("alice", got.contact());
            assertEquals(96 * 1024, got.padBytes());
            assertEquals(sent.fingerprint(), got.fingerprint(), "both screens show the same words");
            assertEquals(List.of("alice"), bob.contacts().stream().map(Views.Contact::contact).toList());
            assertEquals("imported", bob.contacts().get(0).source());
            assertEquals(alice.contacts().get(0).padId(), bob.contacts().get(0).padId());
            try (var files = Files.list(usb)) {
                assertFalse(files.anyMatch(f -> f.getFileName().toString().startsWith("OTPI-PAD")),
                        "transfer medium not wiped");
            }
            assertTrue(assertThrows(Failure.class, () -> bob.exchangeReceive(usb.toString(), code.toCharArray()))
                    .getMessage().contains("No transfer package"));

            assertTrue(assertThrows(Failure.class, () -> bob.exchangeSend("alice", usb.toString())).getMessage()
                    .contains("only a pad made on this device"), "a received pad is not passed on");

            // the pad works: one seals, the other opens, both ways
            byte[] m = "we met at the station".getBytes();
            assertArrayEquals(m, bobDevice.vault().open("alice",
                    aliceDevice.vault().seal("bob", m, SealOptions.V2).packageBytes()).message());
            assertArrayEquals(m, aliceDevice.vault().open("bob",
                    bobDevice.vault().seal("alice", m, SealOptions.V2).packageBytes()).message());
            assertEquals("this pad has been used: only a fresh pad is handed over",
                    assertThrows(Failure.class, () -> alice.exchangeSend("bob", usb.toString())).getMessage());

            List<SecurityEvents.Event> log = SecurityEvents.since(logBefore, Integer.MAX_VALUE);
            assertTrue(log.stream().anyMatch(e -> e.text().contains("sealed for "
                    + org.otpi.appliance.securitylog.Redact.contact("bob"))), log::toString);
            assertTrue(log.stream().anyMatch(e -> e.text().contains("wrong code typed")), log::toString);
            assertTrue(log.stream().anyMatch(e -> e.text().contains("imported from "
                    + org.otpi.appliance.securitylog.Redact.contact("alice"))), log::toString);
            assertTrue(log.stream().anyMatch(e -> e.text().contains("transfer medium wiped")), log::toString);
            for (KioskBackend.HandedOver h : List.of(first, sent)) {
                String c = new String(h.code());
                assertTrue(log.stream().noneMatch(e -> e.text().contains(c) || e.text().contains(c.replace("-", ""))),
                        "a transfer code reached the security log");
            }
            sent.wipe();
            assertEquals("\0".repeat(11), new String(sent.code()));
            alice.close();
            bob.close();
        }
    }

    /** Bob's device is not the one alice's pad was made for: nothing imported, the package stays. */
    @Test
    void aPadForAnotherDevice_isRefused_andTheMediumKept(@TempDir Path dir) throws Exception {
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            assertEquals("alice", a.deviceId());
        }
        Path usb = Files.createDirectories(dir.resolve("usb"));
        try (Device aliceDevice = device(dir, "alice"); Device bobDevice = device(dir, "bob");
             EntropyService entropy = EntropyService.start(new EntropyService.Config(List.of(dir.resolve("no-hrng")),
                     50_000, HealthParameters.DEFAULT, false, 0), e -> { })) {
            VaultKioskBackend alice = new VaultKioskBackend(aliceDevice, new StandingApprovals(Clock.systemUTC()), entropy,
                    List::of, List::of);
            VaultKioskBackend bob = new VaultKioskBackend(bobDevice, new StandingApprovals(Clock.systemUTC()), null,
                    List::of, List::of);
            alice.unlock(TestVaults.PIN.clone());
            bob.unlock(TestVaults.PIN.clone());
            alice.generatePad("robert", 8 * 1024, (done, total) -> { }).done().get(60, TimeUnit.SECONDS);
            KioskBackend.HandedOver sent = alice.exchangeSend("robert", usb.toString());
            Failure f = assertThrows(Failure.class, () -> bob.exchangeReceive(usb.toString(), sent.code().clone()));
            assertTrue(f.getMessage().contains("made for robert, not for this device"), f.getMessage());
            assertTrue(bob.contacts().isEmpty());
            assertTrue(Files.isRegularFile(usb.resolve("OTPI-PAD.XFR")), "the medium is wiped only after an import");
            alice.close();
            bob.close();
        }
    }

    private static Device device(Path dir, String name) {
        return new Device(dir.resolve(name + "-medium"), dir.resolve(name + "-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
    }

    private static long lastSeq() {
        List<SecurityEvents.Event> earlier = SecurityEvents.since(0, Integer.MAX_VALUE);
        return earlier.isEmpty() ? 0 : earlier.get(earlier.size() - 1).seq();
    }
}
