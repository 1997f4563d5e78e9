package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The 32-byte device secret kept on the SD card (the state directory), apart from the vault
 * medium. It is an Argon2id secret input, so the medium alone cannot be attacked even with the
 * PIN; and it keys the high-water marks. Zeroed on close.
 */
final class DeviceSecret implements AutoCloseable {
    static final String FILE = "device.secret";
    private final byte[] bytes;

    private DeviceSecret(byte[] bytes) {
        this.bytes = bytes;
    }

    static DeviceSecret loadOrCreate(Path stateDir) throws IOException {
        Path p = stateDir.resolve(FILE);
        if (Files.exists(p)) {
            return load(stateDir);
        }
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        Durable.writeAtomically(p, b);
        return new DeviceSecret(b);
    }

    static DeviceSecret load(Path stateDir) throws IOException {
        Path p = stateDir.resolve(FILE);
        if (!Files.exists(p)) {
            throw new IOException("device secret missing: " + p);
        }
        byte[] b = Files.readAllBytes(p);
        if (b.length != 32) {
            Arrays.fill(b, (byte) 0);
            throw new IOException("device secret has the wrong size");
        }
        return new DeviceSecret(b);
    }

    /**
     * Overwrites the device secret in place (same file, same blocks where the file system allows)
     * with fresh random bytes and fsyncs: every vault wrapped under the old secret, and every copy
     * of its medium, can no longer be opened, even with the right PIN. Limit: flash may keep old
     * blocks (see README).
     */
    static void rotate(Path stateDir) throws IOException {
        Path p = stateDir.resolve(FILE);
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        if (Files.exists(p)) {
            Durable.overwriteInPlace(p, 0, b, Math.max(32, Files.size(p)));
        } else {
            Durable.writeAtomically(p, b);
        }
        Arrays.fill(b, (byte) 0);
    }

    byte[] bytes() {
        return bytes;
    }

    @Override
    public void close() {
        Arrays.fill(bytes, (byte) 0);
    }

    @Override
    public String toString() {
        return "DeviceSecret[hidden]";
    }
}
