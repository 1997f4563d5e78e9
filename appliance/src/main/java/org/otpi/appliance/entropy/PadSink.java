package org.otpi.appliance.entropy;

import java.io.IOException;

/**
 * Where a new pad's bytes go, in order, exactly once. The vault implements it so pad bytes
 * are written straight into the encrypted medium; {@link FilePadSink} serves tests and the
 * benchmark.
 *
 * <p>Contract: {@link #write} any number of times, then exactly one of {@link #commit} (the
 * pad becomes durable and visible, all or nothing) or {@link #abort} (everything written is
 * discarded; nothing of a half pad stays visible). After either, the sink is finished and
 * {@link #write} throws. {@link #abort} is idempotent, also safe after a failed commit, and
 * never throws. A sink is used by one thread. {@link #write} must not keep a reference to
 * {@code b}: the generator reuses and zeroes its buffers.
 */
public interface PadSink {

    void write(byte[] b, int off, int len) throws IOException;

    void commit() throws IOException;

    void abort();
}
