package org.otpi.appliance.entropy;

import java.util.Arrays;

/** A fake "kernel" that returns zeros, so tests can see exactly what the HRNG contributed. */
final class ConstantKernel implements EntropySource {
    @Override
    public String name() {
        return "fake-kernel-zeros";
    }

    @Override
    public boolean hardware() {
        return false;
    }

    @Override
    public SourceHealth health() {
        return SourceHealth.HEALTHY;
    }

    @Override
    public void read(byte[] b, int off, int len) {
        Arrays.fill(b, off, off + len, (byte) 0);
    }

    @Override
    public double bytesPerSecond() {
        return 1e9;
    }

    @Override
    public void close() {
    }
}
