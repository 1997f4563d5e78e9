package org.otpi.appliance.entropy;

/**
 * What the person asked for.
 *
 * @param size pad size in bytes, chosen by the person (at least {@link #MIN_SIZE}: the 16-byte
 *     pad id plus some pad)
 * @param requireHardware refuse rather than fall back to a kernel-only pad
 */
public record PadRequest(long size, boolean requireHardware) {
    public static final long MIN_SIZE = 64;

    public PadRequest {
        if (size < MIN_SIZE) {
            throw new IllegalArgumentException("a pad needs at least " + MIN_SIZE + " bytes");
        }
    }
}
