package org.otpi.appliance.crypto;

import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id (RFC 9106) from Bouncy Castle, with an optional secret (the device secret kept on the
 * SD card, so that the medium alone is useless).
 *
 * @param memoryKiB memory cost in KiB
 * @param iterations time cost
 * @param parallelism lanes
 */
public record Argon2id(int memoryKiB, int iterations, int parallelism) {

    /**
     * Defaults for the vault PIN: 64 MiB, 1 pass, 1 lane. Measured ~0.15 s on the 2-core x86 CI
     * machine; a Raspberry Pi 4 is roughly 3–4 times slower for this workload, which puts it near
     * the 0.5 s target (see README for the figures).
     */
    public static final Argon2id VAULT_DEFAULT = new Argon2id(64 * 1024, 1, 1);

    public Argon2id {
        if (memoryKiB < 8 || iterations < 1 || parallelism < 1 || parallelism > 16) {
            throw new IllegalArgumentException("bad Argon2 parameters");
        }
    }

    /** Derives {@code length} bytes from {@code password} (UTF-8), {@code salt} and {@code secret}. */
    public byte[] derive(char[] password, byte[] salt, byte[] secret, int length) {
        Argon2Parameters.Builder b = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(memoryKiB)
                .withIterations(iterations)
                .withParallelism(parallelism)
                .withSalt(salt);
        if (secret != null) {
            b.withSecret(secret);
        }
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(b.build());
        byte[] pw = Utf8.encode(password);
        try {
            byte[] out = new byte[length];
            g.generateBytes(pw, out);
            return out;
        } finally {
            java.util.Arrays.fill(pw, (byte) 0);
        }
    }
}
