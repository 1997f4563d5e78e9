package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.KioskBackend;
import org.otpi.appliance.securitylog.SecurityEvents;
import org.otpi.appliance.vault.Opened;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.Views;

/** First-run setup from the kiosk on real directories: create, refuse, never overwrite. */
class VaultKioskSetupTest {
    private static final String PIN = "80415926";

    private static VaultKioskBackend backend(Device device) {
        return new VaultKioskBackend(device, new StandingApprovals(Clock.systemUTC()), null, List::of, List::of);
    }

    private static Device device(Path medium, Path state) {
        return new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC());
    }

    @Test
    void createOnAnEmptyMedium_leavesItUnlocked_sealsAndOpens_andTheSamePinOpensItAfterALock(@TempDir Path dir)
            throws Exception {
        Path medium = Files.createDirectories(dir.resolve("medium"));
        Device device = device(medium, dir.resolve("state"));
        VaultKioskBackend k = backend(device);
        assertEquals(Views.VaultState.SETUP_NEEDED, k.status().vault());
        assertFalse(k.status().unlocked());
        long logBefore = lastSeq();

        char[] pin = PIN.toCharArray();
        k.createVault("alice-pi", pin);
        Views.Status st = k.status();
        assertEquals(Views.VaultState.UNLOCKED, st.vault());
        assertTrue(st.unlocked());
        assertEquals("alice-pi", st.deviceId());
        assertTrue(Files.isRegularFile(medium.resolve("vault.hdr")));
        assertEquals(List.of(), k.contacts(), "an open, empty vault");

        // the new vault works: a pad with a second device, a seal there, an open here
        byte[] pad = TestVaults.pad(31, 16 * 1024);
        try (Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(device.vault(), "bob", bob, "alice", pad);
            byte[] sealed = device.vault().seal("bob", "first message".getBytes(), SealOptions.V2).packageBytes();
            Opened o = bob.open("alice", sealed);
            assertArrayEquals("first message".getBytes(), o.message());
        }

        List<SecurityEvents.Event> log = SecurityEvents.since(logBefore, 500);
        assertTrue(log.stream().anyMatch(e -> e.text().contains("vault created for device alice-pi")), log::toString);
        assertTrue(log.stream().noneMatch(e -> e.text().contains(PIN)), "the PIN never reaches the log");

        k.lock();
        assertEquals(Views.VaultState.LOCKED, k.status().vault());
        device.close();
        try (Vault again = Vault.unlock(medium, dir.resolve("state"), PIN.toCharArray(), VaultPolicy.DEFAULT,
                Clock.systemUTC())) {
            assertEquals("alice-pi", again.deviceId());
            assertEquals(1, again.contacts().size());
        }
        k.close();
    }

    @Test
    void refusesWhenAVaultExists_andLeavesItByteForByte(@TempDir Path dir) throws Exception {
        TestVaults.create(dir, "alice").close();
        Path medium = dir.resolve("alice-medium");
        byte[] header = Files.readAllBytes(medium.resolve("vault.hdr"));
        byte[] journal = Files.readAllBytes(medium.resolve("journal"));
        Device device = device(medium, dir.resolve("alice-state"));
        VaultKioskBackend k = backend(device);
        assertEquals(Views.VaultState.LOCKED, k.status().vault());

        KioskBackend.Failure f = assertThrows(KioskBackend.Failure.class, () -> k.createVault("mallory", PIN.toCharArray()));
        assertTrue(f.getMessage().contains("already exists"), f.getMessage());
        assertArrayEquals(header, Files.readAllBytes(medium.resolve("vault.hdr")), "header untouched");
        assertArrayEquals(journal, Files.readAllBytes(medium.resolve("journal")), "journal untouched");
        assertFalse(device.unlocked());

        // unlocked, a second setup is refused too, and the original PIN still opens the vault
        assertEquals(Views.UnlockResult.Outcome.OK, k.unlock(TestVaults.PIN.clone()).outcome());
        assertThrows(KioskBackend.Failure.class, () -> k.createVault("mallory", PIN.toCharArray()));
        assertEquals("alice", k.status().deviceId());
        assertArrayEquals(header, Files.readAllBytes(medium.resolve("vault.hdr")));
        k.close();
        device.close();
    }

    /** A journal without its header is the remains of a vault: not an empty medium. */
    @Test
    void aJournalWithoutAHeader_isNotOfferedForSetup_andIsNotReplaced(@TempDir Path dir) throws Exception {
        TestVaults.create(dir, "alice").close();
        Path medium = dir.resolve("alice-medium");
        Files.delete(medium.resolve("vault.hdr"));
        byte[] journal = Files.readAllBytes(medium.resolve("journal"));
        Device device = device(medium, dir.resolve("alice-state"));
        VaultKioskBackend k = backend(device);
        assertEquals(Views.VaultState.LOCKED, k.status().vault());
        assertThrows(KioskBackend.Failure.class, () -> k.createVault("alice", PIN.toCharArray()));
        assertArrayEquals(journal, Files.readAllBytes(medium.resolve("journal")));
        assertFalse(Files.exists(medium.resolve("vault.hdr")));
        k.close();
    }

    @Test
    void refusesABadDeviceIdOrAShortPin_writingNothing(@TempDir Path dir) throws Exception {
        Path medium = Files.createDirectories(dir.resolve("medium"));
        Path state = dir.resolve("state");
        Device device = device(medium, state);
        VaultKioskBackend k = backend(device);
        for (String bad : new String[] {null, "", "   ", "alice\npi", "tab\there", "\u0085nel", " alice", "alice ",
                "x".repeat(129)}) {
            assertThrows(KioskBackend.Failure.class, () -> k.createVault(bad, PIN.toCharArray()), String.valueOf(bad));
        }
        for (String shortPin : new String[] {"", "1", "123"}) {
            KioskBackend.Failure f = assertThrows(KioskBackend.Failure.class,
                    () -> k.createVault("alice-pi", shortPin.toCharArray()));
            assertTrue(f.getMessage().contains("at least 4"), f.getMessage());
        }
        assertThrows(KioskBackend.Failure.class, () -> k.createVault("alice-pi", null));
        try (Stream<Path> files = Files.list(medium)) {
            assertEquals(List.of(), files.toList(), "nothing written to the medium");
        }
        assertFalse(Files.exists(state), "nothing written to the state directory");
        assertEquals(Views.VaultState.SETUP_NEEDED, k.status().vault());

        // the longest id and the shortest PIN are fine
        k.createVault("x".repeat(128), "1234".toCharArray());
        assertEquals(Views.VaultState.UNLOCKED, k.status().vault());
        k.close();
        device.close();
    }

    @Test
    void withNoMedium_statusSaysSo_andSetupCreatesNothing(@TempDir Path dir) {
        Path medium = dir.resolve("not-mounted");
        Device device = device(medium, dir.resolve("state"));
        VaultKioskBackend k = backend(device);
        assertEquals(Views.VaultState.NO_MEDIUM, k.status().vault());
        assertThrows(KioskBackend.Failure.class, () -> k.createVault("alice-pi", PIN.toCharArray()));
        assertFalse(Files.exists(medium), "the medium directory is not made up");
        k.close();
    }

    /** Two setups at once (two kiosk sessions, a double tap): exactly one vault, the other refused. */
    @Test
    void concurrentSetups_makeExactlyOneVault(@TempDir Path dir) throws Exception {
        Path medium = Files.createDirectories(dir.resolve("medium"));
        Device device = device(medium, dir.resolve("state"));
        VaultKioskBackend k = backend(device);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> tasks = List.of("a", "b", "c", "d").stream().<Callable<String>>map(id -> () -> {
                try {
                    k.createVault("device-" + id, PIN.toCharArray());
                    return id;
                } catch (KioskBackend.Failure f) {
                    return null;
                }
            }).toList();
            List<String> winners = new java.util.ArrayList<>();
            for (Future<String> f : pool.invokeAll(tasks)) {
                if (f.get() != null) {
                    winners.add(f.get());
                }
            }
            assertEquals(1, winners.size(), winners::toString);
            assertEquals("device-" + winners.get(0), k.status().deviceId());
            device.lock();
            try (Vault v = Vault.unlock(medium, dir.resolve("state"), PIN.toCharArray(), VaultPolicy.DEFAULT,
                    Clock.systemUTC())) {
                assertEquals("device-" + winners.get(0), v.deviceId(), "the vault on the medium is the winner's");
            }
        } finally {
            pool.shutdownNow();
            k.close();
        }
    }

    /**
     * The stick-swap attack: wrong PINs against the real stick, an empty stick in, setup on the
     * screen, the real stick back. The count must survive, so the next wrong PIN still destroys
     * the key at the limit; once exhausted (key gone), setup clears it so the device is usable.
     */
    @Test
    void setupOnASwappedInEmptyStick_doesNotResetTheWrongPinCount(@TempDir Path dir) throws Exception {
        VaultPolicy policy = new VaultPolicy(4, 4, 0, 0, 10); // no delays: 4 wrong PINs destroy the key
        Path real = dir.resolve("real-stick");
        Path empty = Files.createDirectories(dir.resolve("empty-stick"));
        Path state = dir.resolve("state");
        Vault.create(real, state, "alice", PIN.toCharArray(), TestVaults.FAST_KDF, policy).close();
        byte[] header = Files.readAllBytes(real.resolve("vault.hdr"));
        Device onReal = new Device(real, state, policy, Clock.systemUTC());
        VaultKioskBackend k = backend(onReal);
        for (int i = 0; i < 3; i++) {
            assertEquals(Views.UnlockResult.Outcome.WRONG, k.unlock("0000".toCharArray()).outcome());
        }
        k.close();

        Device onEmpty = new Device(empty, state, policy, Clock.systemUTC());
        VaultKioskBackend swapped = backend(onEmpty);
        swapped.createVault("mallory", "1111".toCharArray());
        swapped.lock();
        swapped.close();
        onEmpty.close();

        Device back = new Device(real, state, policy, Clock.systemUTC());
        VaultKioskBackend k2 = backend(back);
        assertEquals(Views.UnlockResult.Outcome.WIPED, k2.unlock("0001".toCharArray()).outcome(),
                "the fourth wrong PIN in a row, setup in between or not");
        assertFalse(java.util.Arrays.equals(header, Files.readAllBytes(real.resolve("vault.hdr"))), "key destroyed");
        assertEquals(Views.UnlockResult.Outcome.WIPED, k2.unlock(PIN.toCharArray()).outcome());
        k2.close();

        // exhausted: a new vault on a new stick clears the count (recovery: set up, restore a backup)
        Path fresh = Files.createDirectories(dir.resolve("fresh-stick"));
        Device onFresh = new Device(fresh, state, policy, Clock.systemUTC());
        VaultKioskBackend k3 = backend(onFresh);
        k3.createVault("alice", "2468".toCharArray());
        k3.lock();
        assertEquals(Views.UnlockResult.Outcome.OK, k3.unlock("2468".toCharArray()).outcome());
        k3.close();
        onFresh.close();
    }

    private static long lastSeq() {
        List<SecurityEvents.Event> all = SecurityEvents.since(0, Integer.MAX_VALUE);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }
}
