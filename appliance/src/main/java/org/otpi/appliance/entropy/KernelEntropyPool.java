package org.otpi.appliance.entropy;

import java.io.Closeable;
import java.io.IOException;

/** Where the feeder credits entropy: the kernel's input pool (or a fake in tests). */
public interface KernelEntropyPool extends Closeable {

    /**
     * Mixes {@code b[off, off+len)} into the pool and credits {@code entropyBits} bits.
     *
     * @throws IOException if the kernel refused (the caller counts it as a failure)
     */
    void addEntropy(byte[] b, int off, int len, int entropyBits) throws IOException;
}
