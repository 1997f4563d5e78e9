package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.Views;

/** The kiosk's backend on a real vault: unlock, pads, generation, the log, lock and panic. */
class VaultKioskBackendTest {

    @Test
    void theScreenSeesTheRealVault(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(12, 64 * 1024);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        Device device = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
        StandingApprovals standing = new StandingApprovals(Clock.systemUTC());
        List<String> changes = new CopyOnWriteArrayList<>();
        try (EntropyService entropy = EntropyService.start(new EntropyService.Config(List.of(dir.resolve("none")), 50_000,
                HealthParameters.DEFAULT, false, 0), e -> { })) {
            VaultKioskBackend k = new VaultKioskBackend(device, standing, entropy, () -> List.of("laptop"), List::of);
            k.addListener(new KioskBackend.Listener() {
                @Override
                public void changed(String what) {
                    changes.add(what);
                }
            });
            assertThrows(KioskBackend.Failure.class, k::contacts, "contacts while locked");
            assertEquals(Views.UnlockResult.Outcome.WRONG, k.unlock("0000".toCharArray()).outcome());
            assertEquals(Views.UnlockResult.Outcome.OK, k.unlock(TestVaults.PIN.clone()).outcome());
            assertTrue(changes.contains("status"));
            Views.Status st = k.status();
            assertTrue(st.unlocked());
            assertEquals("alice", st.deviceId());
            assertEquals(List.of("laptop"), st.pairedClients());
            assertFalse(st.entropy().get(0).healthy(), "no HRNG: shown as not healthy");

            long before = k.contacts().get(0).sendRemaining();
            device.vault().seal("bob", "hello".getBytes(), SealOptions.V2);
            assertEquals(before - 37, k.contacts().get(0).sendRemaining());

            KioskBackend.PadGeneration g = k.generatePad("carol", 128 * 1024, (done, total) -> { });
            g.done().get(60, TimeUnit.SECONDS);
            Views.Contact carol = k.contacts().stream().filter(c -> c.contact().equals("carol")).findFirst().orElseThrow();
            assertEquals("kernel", carol.source());

            Views.Grant grant = k.grantStanding("bob", 500, Duration.ofMinutes(5));
            assertEquals(1, k.standingApprovals().size());
            assertTrue(k.revokeStanding(grant.id()));

            // a forged package shows up in the log, named by contact on the screen
            List<org.otpi.appliance.securitylog.SecurityEvents.Event> earlier =
                    org.otpi.appliance.securitylog.SecurityEvents.since(0, Integer.MAX_VALUE);
            long logBefore = earlier.isEmpty() ? 0 : earlier.get(earlier.size() - 1).seq();
            byte[] p = device.vault().seal("bob", "x".getBytes(), SealOptions.V2).packageBytes();
            try (Vault bob = Vault.unlock(dir.resolve("bob-medium"), dir.resolve("bob-state"), TestVaults.PIN.clone(),
                    VaultPolicy.DEFAULT, Clock.systemUTC())) {
                byte[] fromBob = bob.seal("alice", "hi".getBytes(), SealOptions.V2).packageBytes();
                fromBob[fromBob.length - 1] ^= 1;
                assertThrows(Exception.class, () -> device.vault().open("bob", fromBob));
            }
            List<Views.LogEntry> log = k.securityLog(logBefore, 500);
            assertTrue(log.stream().anyMatch(e -> e.kind().equals("forgery") && e.contact().equals("bob")),
                    () -> log.size() + " entries, last " + log.get(log.size() - 1));
            assertTrue(p.length > 0);

            k.expirePad("carol");
            assertTrue(k.contacts().stream().anyMatch(c -> c.contact().equals("carol") && c.expired()));
            k.deletePad("carol");
            assertEquals(1, k.contacts().size());

            k.lock();
            assertFalse(device.unlocked());
            assertThrows(KioskBackend.Failure.class, k::contacts);
            k.panicWipe();
            assertEquals(Views.UnlockResult.Outcome.WIPED, k.unlock(TestVaults.PIN.clone()).outcome(),
                    "the right PIN must not open a wiped vault, and the screen says it was wiped");
            k.close();
        }
    }

    /** Backup from the kiosk: a real file on "removable media" that restores with its passphrase only. */
    @Test
    void backupFromTheKiosk_restoresWithItsPassphrase_andNotWithAnother(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(13, 32 * 1024);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        Path usb = java.nio.file.Files.createDirectories(dir.resolve("media/usb"));
        char[] pass = "correct horse battery".toCharArray();
        String written;
        long sentBefore;
        try (Device device = new Device(dir.resolve("alice-medium"), dir.resolve("alice-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC())) {
            VaultKioskBackend k = new VaultKioskBackend(device, new StandingApprovals(Clock.systemUTC()), null,
                    List::of, List::of);
            assertEquals("vault locked", assertThrows(KioskBackend.Failure.class,
                    () -> k.exportBackup(usb.toString(), pass.clone())).getMessage());
            assertEquals(Views.UnlockResult.Outcome.OK, k.unlock(TestVaults.PIN.clone()).outcome());
            sentBefore = k.contacts().get(0).sendRemaining();

            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup(usb.toString(),
                    "eleven char".toCharArray())).getMessage().contains("at least 12"));
            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup(
                    dir.resolve("alice-medium").toString(), pass.clone())).getMessage().contains("vault's own medium"));
            java.nio.file.Path inside = java.nio.file.Files.createDirectories(dir.resolve("alice-state/sub"));
            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup(inside.toString(), pass.clone()))
                    .getMessage().contains("vault's own medium"));
            java.nio.file.Path link = java.nio.file.Files.createSymbolicLink(dir.resolve("innocent"), dir.resolve("alice-medium"));
            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup(link.toString(), pass.clone()))
                    .getMessage().contains("vault's own medium"), "a symlink into the medium is seen through");
            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup(dir.resolve("media/none").toString(),
                    pass.clone())).getMessage().contains("no directory"));
            assertTrue(assertThrows(KioskBackend.Failure.class, () -> k.exportBackup("media/usb", pass.clone()))
                    .getMessage().contains("absolute"));
            try (var s = java.nio.file.Files.list(usb)) {
                assertEquals(0, s.count(), "nothing written by refused exports");
            }

            written = k.exportBackup(usb.toString(), pass.clone());
            Path file = Path.of(written);
            assertEquals(usb.toRealPath(), file.getParent());
            assertTrue(file.getFileName().toString().matches("otpi-backup-alice-\\d{8}-\\d{6}\\.otpibak"), written);
            try (var s = java.nio.file.Files.list(usb)) {
                assertEquals(List.of(file), s.toList(), "no temporary file left behind");
            }
            byte[] backup = java.nio.file.Files.readAllBytes(file);
            assertFalse(new TestVaults.PadWindows(pad, 16).foundIn(backup), "pad bytes readable in the backup");
            assertEquals(sentBefore, k.contacts().get(0).sendRemaining(), "a backup burns no pad");
            k.close();
        }
        // the card is lost; a new vault for the same device restores from the stick
        try (var s = java.nio.file.Files.walk(dir.resolve("alice-medium"))) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(q);
            }
        }
        try (Vault fresh = TestVaults.create(dir, "alice")) {
            VaultException wrong = assertThrows(VaultException.class, () -> fresh.restoreBackup(
                    java.nio.file.Files.newInputStream(Path.of(written)), "correct horse battery!".toCharArray()));
            assertTrue(fresh.contacts().isEmpty(), "nothing restored with a wrong passphrase: " + wrong.getMessage());
            try (var in = java.nio.file.Files.newInputStream(Path.of(written))) {
                assertEquals(List.of("bob"), fresh.restoreBackup(in, pass.clone()).restored());
            }
            assertEquals(sentBefore, fresh.contacts().get(0).sendRemaining(), "the restored pad is the same pad");
        }
    }
}
