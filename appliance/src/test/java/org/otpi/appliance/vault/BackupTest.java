package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encrypted backups: they restore, they hide the pad, and they can never roll a cursor back. */
class BackupTest {
    private static final char[] PASS = "correct horse battery".toCharArray();

    @Test
    void restoreOnANewMedium_resumesAtTheHighWaterMark_notTheBackup(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(77, 64 * 1024);
        byte[] backup;
        long lastIndex;
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            bob.open("alice", alice.seal("bob", "before backup".getBytes(), SealOptions.V2).packageBytes());
            byte[] fromBob = bob.seal("alice", "to alice".getBytes(), SealOptions.V2).packageBytes();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            alice.exportBackup(out, PASS, TestVaults.FAST_KDF);
            backup = out.toByteArray();
            assertFalse(new TestVaults.PadWindows(pad, 16).foundIn(backup), "pad bytes readable in the backup");
            assertFalse(new String(backup, java.nio.charset.StandardCharsets.ISO_8859_1).contains("bob"));
            Sealed after = null;
            for (int i = 0; i < 3; i++) {
                after = alice.seal("bob", ("after backup " + i).getBytes(), SealOptions.V2);
                bob.open("alice", after.packageBytes());
            }
            alice.open("bob", fromBob);
            lastIndex = after.index() + after.padCost();
            // the medium is lost; a new one is made on the same device (same SD card)
            alice.close();
            VaultAtRestTest.deleteTree(dir.resolve("alice-medium"));
            try (Vault fresh = TestVaults.create(dir, "alice")) {
                Vault.RestoreReport r = fresh.restoreBackup(new ByteArrayInputStream(backup), PASS);
                assertEquals(List.of("bob"), r.restored());
                Sealed s = fresh.seal("bob", "after restore".getBytes(), SealOptions.V2);
                assertEquals(lastIndex, s.index(), "restore rolled the cursor back below the high-water mark");
                assertArrayEquals("after restore".getBytes(), bob.open("alice", s.packageBytes()).message());
                assertEquals(VaultException.Kind.REPLAY,
                        assertThrows(VaultException.class, () -> fresh.open("bob", fromBob)).kind());
                // restoring again skips what exists
                assertEquals(List.of("bob"), fresh.restoreBackup(new ByteArrayInputStream(backup), PASS).skipped());
            }
        }
    }

    @Test
    void wrongPassphrase_truncation_tampering_andAnotherDevice_areRefused(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(78, 8 * 1024);
        byte[] backup;
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            alice.exportBackup(out, PASS, TestVaults.FAST_KDF);
            backup = out.toByteArray();
            assertEquals(VaultException.Kind.BAD_INPUT,
                    assertThrows(VaultException.class, () -> alice.exportBackup(new ByteArrayOutputStream(), "short".toCharArray(),
                            TestVaults.FAST_KDF)).kind());
        }
        try (Vault other = TestVaults.create(dir.resolve("x"), "alice")) {
            assertThrows(VaultException.class,
                    () -> other.restoreBackup(new ByteArrayInputStream(backup), "wrong passphrase".toCharArray()));
            byte[] truncated = java.util.Arrays.copyOf(backup, backup.length - 20);
            assertTrue(assertThrows(VaultException.class,
                    () -> other.restoreBackup(new ByteArrayInputStream(truncated), PASS)).getMessage().contains("truncated"));
            for (int at : new int[] {10, 40, backup.length / 2, backup.length - 1}) {
                byte[] t = backup.clone();
                t[at] ^= 0x10;
                assertThrows(VaultException.class, () -> other.restoreBackup(new ByteArrayInputStream(t), PASS));
            }
            assertTrue(other.contacts().isEmpty(), "a refused restore left something behind");
        }
        try (Vault carol = TestVaults.create(dir, "carol")) {
            assertEquals(VaultException.Kind.BAD_INPUT,
                    assertThrows(VaultException.class, () -> carol.restoreBackup(new ByteArrayInputStream(backup), PASS)).kind());
        }
    }
}
