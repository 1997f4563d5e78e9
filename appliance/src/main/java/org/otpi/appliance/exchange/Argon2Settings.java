package org.otpi.appliance.exchange;

/**
 * Argon2id cost for the transfer key. Written into the package header; the importer refuses
 * costs above {@link #MAX_MEMORY_KIB} / {@link #MAX_ITERATIONS} (a hostile medium must not make
 * the device allocate without bound).
 */
public record Argon2Settings(int memoryKiB, int iterations, int parallelism) {
    /** 64 MiB, 3 passes, 1 lane: ~0.35 s on the dev machine, ~2 s on a Pi 4. */
    public static final Argon2Settings DEFAULT = new Argon2Settings(64 * 1024, 3, 1);
    static final int MAX_MEMORY_KIB = 256 * 1024;
    static final int MAX_ITERATIONS = 10;

    public Argon2Settings {
        if (memoryKiB < 8 * 1024 || memoryKiB > MAX_MEMORY_KIB || iterations < 1 || iterations > MAX_ITERATIONS
                || parallelism < 1 || parallelism > 4) {
            throw new IllegalArgumentException("Argon2id settings out of range");
        }
    }
}
