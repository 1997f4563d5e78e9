package org.otpi.appliance.tunnel;

import java.io.Closeable;
import java.io.IOException;

/**
 * A layer-3 packet device: IP packets in, IP packets out, no link header. Real: {@link LinuxTun};
 * tests use an in-memory fake so two peers can ping each other inside one JVM.
 *
 * <p>Thread-safety: {@link #read} may be called by several threads at once (each gets whole
 * packets), {@link #write} likewise.
 */
public interface Tun extends Closeable {

    String name();

    /** Blocks until a packet arrives; returns its length, or -1 once closed. */
    int read(byte[] buffer) throws IOException;

    /** Writes one whole IP packet. */
    void write(byte[] packet, int offset, int length) throws IOException;
}
