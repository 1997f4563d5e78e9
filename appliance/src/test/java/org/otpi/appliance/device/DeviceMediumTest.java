package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;

/**
 * What counts as a medium. On the image {@code /media/otpi-vault} exists with or without a stick
 * (on the RAM overlay root): setup there without a stick would put the vault in RAM.
 */
class DeviceMediumTest {

    @Test
    void underMediaMntAndRunMedia_onlyAMountPointIsAMedium() {
        assertTrue(Device.expectsMountPoint(Path.of("/media/otpi-vault")));
        assertTrue(Device.expectsMountPoint(Path.of("/mnt/stick")));
        assertTrue(Device.expectsMountPoint(Path.of("/run/media/alice/OTPI")));
        assertTrue(Device.expectsMountPoint(Path.of("/media/../media/otpi-vault")));
        assertFalse(Device.expectsMountPoint(Path.of("/media")));
        assertFalse(Device.expectsMountPoint(Path.of("/mediax/otpi-vault")));
        assertFalse(Device.expectsMountPoint(Path.of("/tmp/otpi/vault")));
        assertFalse(Device.expectsMountPoint(Path.of("/var/lib/otpi/medium")));
    }

    @Test
    void mountPoints_areReadFromMountinfo(@TempDir Path dir) {
        assertTrue(Device.isMountPoint(Path.of("/")));
        assertTrue(Device.isMountPoint(Path.of("/proc")));
        assertFalse(Device.isMountPoint(dir), "a plain directory");
        assertFalse(Device.isMountPoint(dir.resolve("missing")));
    }

    /** A real directory under /mnt, mounted or not as the predicate says (no real mount needed). */
    @Test
    void anUnmountedDirectoryUnderMnt_isNoMedium_andSetupWritesNothingThere() throws Exception {
        Path mnt = Path.of("/mnt");
        assumeTrue(Files.isDirectory(mnt) && Files.isWritable(mnt), "needs a writable /mnt (root)");
        Path medium = Files.createDirectory(mnt.resolve("otpi-medium-test-" + System.nanoTime()));
        Path state = Files.createTempDirectory("otpi-medium-state");
        AtomicBoolean mounted = new AtomicBoolean(false);
        try {
            Device device = new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC(), p -> mounted.get());
            assertEquals(Device.MediumState.NO_MEDIUM, device.mediumState());
            VaultException e = assertThrows(VaultException.class,
                    () -> device.create("alice-pi", "2468".toCharArray(), new Argon2id(1024, 1, 1)));
            assertEquals(VaultException.Kind.NO_VAULT, e.kind());
            try (var files = Files.list(medium)) {
                assertEquals(0, files.count(), "nothing written into the bare mount point");
            }
            mounted.set(true);
            assertEquals(Device.MediumState.EMPTY, device.mediumState());
            device.create("alice-pi", "2468".toCharArray(), new Argon2id(1024, 1, 1));
            assertEquals(Device.MediumState.UNLOCKED, device.mediumState());
            device.close();
        } finally {
            deleteTree(medium);
            deleteTree(state);
        }
    }

    /** A pulled stick (systemd unmounts it) locks an open vault; a stick still there does not. */
    @Test
    void anOpenVaultWhoseStickIsPulled_locks() throws Exception {
        Path mnt = Path.of("/mnt");
        assumeTrue(Files.isDirectory(mnt) && Files.isWritable(mnt), "needs a writable /mnt (root)");
        Path medium = Files.createDirectory(mnt.resolve("otpi-medium-pull-" + System.nanoTime()));
        Path state = Files.createTempDirectory("otpi-medium-state");
        AtomicBoolean mounted = new AtomicBoolean(true);
        try (Device device = new Device(medium, state, VaultPolicy.DEFAULT, Clock.systemUTC(), p -> mounted.get())) {
            assertFalse(device.lockIfMediumGone(), "locked already: nothing to do");
            device.create("alice-pi", "2468".toCharArray(), new Argon2id(1024, 1, 1));
            assertFalse(device.lockIfMediumGone(), "the stick is there");
            assertTrue(device.unlocked());

            mounted.set(false); // pulled: the mount point is a bare directory again
            assertTrue(device.lockIfMediumGone());
            assertFalse(device.unlocked());
            assertThrows(VaultException.class, device::vault);
            assertFalse(device.lockIfMediumGone(), "once");

            mounted.set(true); // plugged back: the PIN opens it again
            device.unlock("2468".toCharArray());
            assertTrue(device.unlocked());
        } finally {
            deleteTree(medium);
            deleteTree(state);
        }
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
