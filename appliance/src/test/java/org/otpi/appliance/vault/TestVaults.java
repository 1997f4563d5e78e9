package org.otpi.appliance.vault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Random;
import java.util.stream.Stream;
import org.otpi.appliance.crypto.Argon2id;

/** Test helpers: small Argon2 parameters, pads generated at test time from a seed. */
public final class TestVaults {
    public static final Argon2id FAST_KDF = new Argon2id(1024, 1, 1);
    public static final char[] PIN = "4711-test".toCharArray();

    private TestVaults() {
    }

    public static byte[] pad(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A device: medium and state dirs under {@code root/name}. */
    public static Vault create(Path root, String deviceId) throws VaultException {
        return Vault.create(root.resolve(deviceId + "-medium"), root.resolve(deviceId + "-state"), deviceId, PIN,
                FAST_KDF, VaultPolicy.DEFAULT);
    }

    public static Vault unlock(Path root, String deviceId) throws VaultException {
        return Vault.unlock(root.resolve(deviceId + "-medium"), root.resolve(deviceId + "-state"), PIN,
                VaultPolicy.DEFAULT, Clock.systemUTC());
    }

    public static void share(Vault a, String nameAtA, Vault b, String nameAtB, byte[] pad) throws VaultException {
        a.importPad(nameAtA, b.deviceId(), new ByteArrayInputStream(pad), pad.length, "imported", "message", null);
        b.importPad(nameAtB, a.deviceId(), new ByteArrayInputStream(pad), pad.length, "imported", "message", null);
    }

    /** Every file under {@code dir}, concatenated. */
    public static byte[] allBytes(Path dir) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.write(Files.readAllBytes(p));
            }
        }
        return out.toByteArray();
    }

    /** True if any {@code window}-byte run of {@code pad} (from {@code from}) occurs in {@code hay}. */
    public static boolean containsAnyWindow(byte[] hay, byte[] pad, int from, int window) {
        java.util.Set<String> windows = new java.util.HashSet<>();
        for (int i = from; i + window <= pad.length; i += 1) {
            windows.add(java.util.HexFormat.of().formatHex(pad, i, i + window));
        }
        for (int i = 0; i + window <= hay.length; i++) {
            if (windows.contains(java.util.HexFormat.of().formatHex(hay, i, i + window))) {
                return true;
            }
        }
        return false;
    }
}
