package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.tinylog.Logger;

/**
 * Getting the vault key, and destroying it (DESIGN section 5): the PIN typed on the device and the
 * SD card's device secret unwrap the key in {@code vault.hdr}; wrong PINs are counted per vault by
 * {@link PinGuard}; a wipe overwrites the wrapped key in place and rotates the device secret, so
 * that no copy of the medium opens again, even with the right PIN.
 *
 * <p>What a wipe does not do, plainly: flash memory (the stick, the SD card) may keep copies of
 * overwritten blocks in places the file system cannot reach; the whole medium is encrypted so that
 * such a copy holds nothing readable once the key and the secret are gone.
 */
final class VaultAccess {
    private VaultAccess() {
    }

    /** The unwrapped vault key and the device secret it needed. */
    record Keys(byte[] vaultKey, DeviceSecret secret) {
    }

    /** Unwraps the vault key on {@code medium} with {@code pin}, counting and limiting wrong PINs. */
    static Keys unlock(Path medium, Path stateDir, char[] pin, VaultPolicy policy, Clock clock)
            throws IOException, VaultException {
        VaultHeader header = VaultHeader.read(medium);
        PinGuard guard = new PinGuard(stateDir, header.vaultId, policy, clock);
        if (guard.exhausted()) {
            wipe(medium, stateDir, guard);
            throw new VaultException(VaultException.Kind.WIPED, "this vault was wiped (too many wrong PINs, or a"
                    + " panic wipe): its key is destroyed and no copy of it can be opened");
        }
        if (guard.interrupted() > 0) {
            Logger.tag("security").warn("{} PIN attempt(s) were interrupted by a restart or power loss; they are not"
                    + " counted as wrong PINs", guard.interrupted());
        }
        long wait = guard.waitMillis();
        if (wait > 0) {
            Logger.tag("security").warn("PIN attempt refused: rate limited for {} ms", wait);
            throw new VaultException(VaultException.Kind.RATE_LIMITED,
                    "too many wrong PINs: try again in " + (wait + 999) / 1000 + " s", wait, guard.attemptsLeft(), null);
        }
        DeviceSecret secret;
        try {
            secret = DeviceSecret.load(stateDir);
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.NO_VAULT, "this device's secret is missing", e);
        }
        guard.beginAttempt();
        byte[] key = header.unwrap(pin, secret);
        if (key == null) {
            secret.close();
            guard.failed(); // counted before anything shows the result
            Logger.tag("security").warn("wrong PIN ({} in a row)", guard.failures());
            if (guard.exhausted()) {
                wipe(medium, stateDir, guard);
                throw new VaultException(VaultException.Kind.WIPED, "wrong PIN, and that was the last attempt allowed:"
                        + " the vault key has been destroyed and this device's secret replaced, so no copy of this stick"
                        + " can be opened");
            }
            int left = guard.attemptsLeft();
            throw new VaultException(VaultException.Kind.WRONG_PIN, "wrong PIN (or this is not this device's vault): "
                    + left + (left == 1 ? " attempt" : " attempts") + " left before the vault is wiped",
                    policy.delayAfter(guard.failures()), left, null);
        }
        guard.succeeded();
        return new Keys(key, secret);
    }

    /** Wraps a new vault key on {@code medium}; the device secret is created if there is none. */
    static DeviceSecret create(Path medium, Path stateDir, byte[] vaultKey, byte[] vaultId, char[] pin,
                               org.otpi.appliance.crypto.Argon2id kdf) throws IOException {
        DeviceSecret secret = DeviceSecret.loadOrCreate(stateDir);
        VaultHeader.wrap(vaultKey, vaultId, pin, secret, kdf).write(medium);
        return secret;
    }

    /**
     * Panic wipe: destroys the wrapped key on {@code medium} in place and rotates this device's
     * secret. Irreversible. Works whether or not the vault is unlocked, and on a medium whose header
     * is already destroyed.
     */
    static void panic(Path medium, Path stateDir) throws IOException {
        VaultHeader header = VaultHeader.read(medium);
        PinGuard guard = new PinGuard(stateDir, header.vaultId, VaultPolicy.DEFAULT, Clock.systemUTC());
        wipe(medium, stateDir, guard);
    }

    private static void wipe(Path medium, Path stateDir, PinGuard guard) throws IOException {
        // The key on this copy of the medium is destroyed every time (another copy may be the one
        // inserted now). The secret is rotated once: rotating it again when an old copy turns up
        // would destroy the vault set up since. A power cut before guard.wiped() repeats both.
        VaultHeader.destroyWrappedKey(medium);
        if (!guard.isWiped()) {
            if (Files.exists(stateDir.resolve(DeviceSecret.FILE))) {
                DeviceSecret.rotate(stateDir);
            }
            guard.wiped();
            Logger.tag("security").error("vault wiped: the wrapped key was destroyed in place and the device secret"
                    + " replaced");
        }
    }
}
