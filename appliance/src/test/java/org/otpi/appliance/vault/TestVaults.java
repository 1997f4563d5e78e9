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

    /** Every 8-byte run of a pad (from {@code from}), to search outputs for pad bytes. */
    public static final class PadWindows {
        private final java.util.Set<Long> windows = new java.util.HashSet<>();

        public PadWindows(byte[] pad, int from) {
            for (int i = from; i + 8 <= pad.length; i++) {
                windows.add(java.nio.ByteBuffer.wrap(pad, i, 8).getLong());
            }
        }

        /** True if any 8-byte run of the pad occurs in {@code hay}. */
        public boolean foundIn(byte[] hay) {
            for (int i = 0; i + 8 <= hay.length; i++) {
                if (windows.contains(java.nio.ByteBuffer.wrap(hay, i, 8).getLong())) {
                    return true;
                }
            }
            return false;
        }
    }
}
