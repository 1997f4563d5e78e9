package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wipe destroys: in place, for every copy of the stick, and the PIN limit holds across copies. */
class WipeTest {
    private static final VaultPolicy NO_DELAYS = new VaultPolicy(10, 10, 0, 0, 10);

    private static byte[] wrapped(byte[] header) {
        return Arrays.copyOfRange(header, 52, 112); // nonce and wrapped key
    }

    @Test
    void panicWipe_overwritesTheKeyInPlace_andNoCopyOfTheStickOpensAgain(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("alice-medium");
        Path state = dir.resolve("alice-state");
        TestVaults.create(dir, "alice").close();
        Path link = dir.resolve("hdr-link");
        Files.createLink(link, medium.resolve("vault.hdr")); // the old inode, as flash might keep it
        byte[] before = Files.readAllBytes(link);
        Path copy = dir.resolve("copy-medium");
        MediumNonces.copyTree(medium, copy);

        Vault.destroyKey(medium, state);

        byte[] after = Files.readAllBytes(link);
        assertFalse(Arrays.equals(wrapped(before), wrapped(after)), "the hard link still holds the wrapped key");
        assertArrayEquals(Arrays.copyOf(before, 8), Arrays.copyOf(after, 8), "still recognisably a vault header");
        VaultException onCopy = assertThrows(VaultException.class,
                () -> Vault.unlock(copy, state, TestVaults.PIN, NO_DELAYS, Clock.systemUTC()));
        assertEquals(VaultException.Kind.WIPED, onCopy.kind(), "a copy made before the wipe opened: " + onCopy);
        VaultException onIt = assertThrows(VaultException.class,
                () -> Vault.unlock(medium, state, TestVaults.PIN, NO_DELAYS, Clock.systemUTC()));
        assertEquals(VaultException.Kind.WIPED, onIt.kind());
        assertTrue(onIt.getMessage().contains("wiped"), onIt.getMessage());
    }

    @Test
    void pinLimit_wipesInPlace_andAnyCopyOfTheStickIsDeadEvenWithTheRightPin(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("alice-medium");
        Path state = dir.resolve("alice-state");
        TestVaults.create(dir, "alice").close();
        Path link = dir.resolve("hdr-link");
        Files.createLink(link, medium.resolve("vault.hdr"));
        byte[] before = Files.readAllBytes(link);
        byte[] secretBefore = Files.readAllBytes(state.resolve("device.secret"));
        Path[] copies = new Path[4];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = dir.resolve("copy" + i);
            MediumNonces.copyTree(medium, copies[i]);
        }
        // ten wrong guesses spread over three copies: the count is the vault's, not the copy's
        for (int i = 0; i < 10; i++) {
            Path on = copies[i % 3];
            VaultException e = assertThrows(VaultException.class,
                    () -> Vault.unlock(on, state, "0000".toCharArray(), NO_DELAYS, Clock.systemUTC()));
            if (i < 9) {
                assertEquals(VaultException.Kind.WRONG_PIN, e.kind(), "guess " + (i + 1));
                assertTrue(e.getMessage().contains((9 - i) + " attempt"), e.getMessage());
            } else {
                assertEquals(VaultException.Kind.WIPED, e.kind(), "the tenth wrong guess wipes");
            }
        }
        assertNotEquals(0, Arrays.compare(secretBefore, Files.readAllBytes(state.resolve("device.secret"))),
                "the device secret was not replaced");
        // first-run setup on a blank stick, used with its own PIN, resets nothing for the old vault
        Path blank = Files.createDirectories(dir.resolve("blank"));
        try (Vault v = Vault.create(blank, state, "mallory", "1111".toCharArray(), TestVaults.FAST_KDF, NO_DELAYS)) {
            assertEquals("mallory", v.deviceId());
        }
        Vault.unlock(blank, state, "1111".toCharArray(), NO_DELAYS, Clock.systemUTC()).close();
        // the eleventh guess, on an untouched copy, with the right PIN: refused
        VaultException eleventh = assertThrows(VaultException.class,
                () -> Vault.unlock(copies[3], state, TestVaults.PIN, NO_DELAYS, Clock.systemUTC()));
        assertEquals(VaultException.Kind.WIPED, eleventh.kind());
        assertFalse(Arrays.equals(wrapped(before), wrapped(Files.readAllBytes(copies[3].resolve("vault.hdr")))),
                "the copy's key is destroyed when it turns up");
        // and the vault set up since survives the old copy turning up
        Vault.unlock(blank, state, "1111".toCharArray(), NO_DELAYS, Clock.systemUTC()).close();
    }

    @Test
    void aRightPinOnAnotherStick_doesNotResetTheCountOfTheStickUnderAttack(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("alice-state");
        Path real = dir.resolve("alice-medium");
        TestVaults.create(dir, "alice").close();
        for (int i = 0; i < 9; i++) {
            assertThrows(VaultException.class,
                    () -> Vault.unlock(real, state, "0000".toCharArray(), NO_DELAYS, Clock.systemUTC()));
        }
        Path other = dir.resolve("other");
        Vault.create(other, state, "mallory", "1111".toCharArray(), TestVaults.FAST_KDF, NO_DELAYS).close();
        Vault.unlock(other, state, "1111".toCharArray(), NO_DELAYS, Clock.systemUTC()).close();
        VaultException tenth = assertThrows(VaultException.class,
                () -> Vault.unlock(real, state, "0001".toCharArray(), NO_DELAYS, Clock.systemUTC()));
        assertEquals(VaultException.Kind.WIPED, tenth.kind(), "the other stick's unlock gave free guesses");
    }
}
