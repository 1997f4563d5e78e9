package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Fixed key material for tests: deterministic, never used for anything real. */
final class TestKeys {

    private TestKeys() {
    }

    /** {@code slots} slots of bytes from a seeded PRNG. */
    static byte[] material(int slots, long seed) {
        byte[] m = new byte[slots * ProtocolConstants.SLOT_SIZE];
        new Random(seed).nextBytes(m);
        return m;
    }

    /** Writes material as a key file in the note's format (raw slots). */
    static Path keyFile(Path dir, byte[] material) throws IOException {
        Path f = dir.resolve("psk.bin");
        Files.write(f, material);
        return f;
    }
}
