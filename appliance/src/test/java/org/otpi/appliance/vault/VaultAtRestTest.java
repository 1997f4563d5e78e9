package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vault at rest: what a thief of the medium or of the SD card alone gets, and PIN limits. */
class VaultAtRestTest {

    @Test
    void medium_holdsNoPadBytes_andNoContactNames(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(1, 200 * 1024);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "Bob Marley-Secretname", bob, "Alice Liddell-Secretname", pad);
            for (int i = 0; i < 20; i++) {
                byte[] p = alice.seal("Bob Marley-Secretname", ("msg " + i).getBytes(), SealOptions.V2).packageBytes();
                bob.open("Alice Liddell-Secretname", p);
            }
        }
        byte[] all = TestVaults.allBytes(dir);
        assertFalse(new TestVaults.PadWindows(pad, 16).foundIn(all), "pad bytes found at rest");
        String text = new String(all, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("Secretname"), "a contact name found at rest");
        assertFalse(text.contains("alice") || text.contains("bob"), "an id found at rest");
    }

    @Test
    void wrongPin_orSwappedDeviceSecret_cannotOpen(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(2, 4096);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        VaultException wrong = assertThrows(VaultException.class, () -> Vault.unlock(dir.resolve("alice-medium"),
                dir.resolve("alice-state"), "0000".toCharArray(), VaultPolicy.DEFAULT, Clock.systemUTC()));
        assertEquals(VaultException.Kind.WRONG_PIN, wrong.kind());
        // the right PIN with bob's device secret (bob's SD card in alice's medium)
        Files.copy(dir.resolve("bob-state/device.secret"), dir.resolve("alice-state/device.secret"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        VaultException swapped = assertThrows(VaultException.class, () -> TestVaults.unlock(dir, "alice"));
        assertEquals(VaultException.Kind.WRONG_PIN, swapped.kind());
        // no device secret at all
        Files.delete(dir.resolve("alice-state/device.secret"));
        assertEquals(VaultException.Kind.NO_VAULT,
                assertThrows(VaultException.class, () -> TestVaults.unlock(dir, "alice")).kind());
    }

    @Test
    void wrongPins_areRateLimited_thenTheWrappedKeyIsDestroyed(@TempDir Path dir) throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        Clock clock = new Clock() {
            public ZoneOffset getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return Instant.ofEpochMilli(now.get()); }
        };
        VaultPolicy policy = new VaultPolicy(5, 2, 1_000, 60_000, 10);
        Path medium = dir.resolve("m");
        Path state = dir.resolve("s");
        Vault.create(medium, state, "alice", TestVaults.PIN, TestVaults.FAST_KDF, policy).close();
        byte[] headerBefore = Files.readAllBytes(medium.resolve("vault.hdr"));
        char[] bad = "9999".toCharArray();
        for (int i = 1; i <= 2; i++) {
            assertEquals(VaultException.Kind.WRONG_PIN,
                    assertThrows(VaultException.class, () -> Vault.unlock(medium, state, bad, policy, clock)).kind());
        }
        // third attempt comes after free attempts: it is allowed, fails, and then a delay applies
        assertEquals(VaultException.Kind.WRONG_PIN,
                assertThrows(VaultException.class, () -> Vault.unlock(medium, state, bad, policy, clock)).kind());
        VaultException limited = assertThrows(VaultException.class,
                () -> Vault.unlock(medium, state, TestVaults.PIN, policy, clock));
        assertEquals(VaultException.Kind.RATE_LIMITED, limited.kind());
        assertEquals(1_000, limited.retryAfterMillis());
        now.addAndGet(1_000);
        // even the right PIN had to wait; now the right PIN works and resets the count
        Vault.unlock(medium, state, TestVaults.PIN, policy, clock).close();
        for (int i = 1; i <= 4; i++) {
            now.addAndGet(60_000);
            assertEquals(VaultException.Kind.WRONG_PIN,
                    assertThrows(VaultException.class, () -> Vault.unlock(medium, state, bad, policy, clock)).kind());
        }
        now.addAndGet(60_000);
        assertEquals(VaultException.Kind.WIPED,
                assertThrows(VaultException.class, () -> Vault.unlock(medium, state, bad, policy, clock)).kind());
        byte[] headerAfter = Files.readAllBytes(medium.resolve("vault.hdr"));
        assertFalse(java.util.Arrays.equals(java.util.Arrays.copyOfRange(headerBefore, headerBefore.length - 48, headerBefore.length),
                java.util.Arrays.copyOfRange(headerAfter, headerAfter.length - 48, headerAfter.length)), "wrapped key still there");
        // the right PIN no longer helps, even after resetting the SD card's counter
        Files.delete(state.resolve("pin.state"));
        assertEquals(VaultException.Kind.WRONG_PIN,
                assertThrows(VaultException.class, () -> Vault.unlock(medium, state, TestVaults.PIN, policy, clock)).kind());
    }

    @Test
    void tornJournalTail_isDropped_andTheVaultStillOpens(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(3, 8192);
        long used;
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            a.seal("bob", "x".getBytes(), SealOptions.V2);
            used = a.stats("bob").sendUsed();
        }
        Path journal = dir.resolve("alice-medium/journal");
        long size = Files.size(journal);
        // a torn write: half of a new record
        Files.write(journal, new byte[] {0, 0, 1, 0, 42, 42, 42}, java.nio.file.StandardOpenOption.APPEND);
        try (Vault a = TestVaults.unlock(dir, "alice")) {
            assertEquals(used, a.stats("bob").sendUsed());
            assertEquals(size, Files.size(journal), "torn tail not truncated");
            a.seal("bob", "y".getBytes(), SealOptions.V2);
        }
        // damage in the middle (not a tail) is refused rather than silently dropped
        byte[] j = Files.readAllBytes(journal);
        j[40] ^= 1;
        Files.write(journal, j);
        assertEquals(VaultException.Kind.IO, assertThrows(VaultException.class, () -> TestVaults.unlock(dir, "alice")).kind());
    }

    @Test
    void rolledBackMedium_orReimportedPad_neverReusesPad(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(4, 16 * 1024);
        Path medium = dir.resolve("alice-medium");
        Path copy = dir.resolve("old-copy");
        long firstIndexAfterRollback;
        byte[] second;
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        copyTree(medium, copy);
        try (Vault a = TestVaults.unlock(dir, "alice"); Vault b = TestVaults.unlock(dir, "bob")) {
            byte[] p = a.seal("bob", "first".getBytes(), SealOptions.V2).packageBytes();
            second = a.seal("bob", "second".getBytes(), SealOptions.V2).packageBytes();
            b.open("alice", p);
            // bob sends to alice, alice opens it: then we roll alice's medium back
            byte[] fromBob = b.seal("alice", "hi".getBytes(), SealOptions.V2).packageBytes();
            a.open("bob", fromBob);
            deleteTree(medium);
            copyTree(copy, medium);
            firstIndexAfterRollback = -1;
            try (Vault rolledBack = null) {
                // nothing: close a and b first (files are open)
            }
            a.close();
            try (Vault again = TestVaults.unlock(dir, "alice")) {
                Sealed s = again.seal("bob", "after rollback".getBytes(), SealOptions.V2);
                firstIndexAfterRollback = s.index();
                assertEquals(16 + ("first".length() + 32) + ("second".length() + 32), firstIndexAfterRollback,
                        "after a rollback the cursor must resume at the high-water mark");
                assertEquals(VaultException.Kind.REPLAY,
                        assertThrows(VaultException.class, () -> again.open("bob", fromBob)).kind());
                // delete and re-import the same raw pad: cursors start at the high-water mark
                again.deletePad("bob");
                again.importPad("bob", "bob", new java.io.ByteArrayInputStream(pad), pad.length, "imported", "message", null);
                Sealed s2 = again.seal("bob", "after reimport".getBytes(), SealOptions.V2);
                assertTrue(s2.index() > firstIndexAfterRollback, "pad reused after re-import");
                assertArrayEquals("after reimport".getBytes(), b.open("alice", s2.packageBytes()).message());
            }
        }
        assertTrue(second.length > 0);
    }

    static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    static void deleteTree(Path p) throws java.io.IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
