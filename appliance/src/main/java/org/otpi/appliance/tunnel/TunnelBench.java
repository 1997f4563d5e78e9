package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Packet-layer loops for {@code bench/} (TunnelCryptoBench): they reach the package-private batch
 * path the running tunnel uses. Not used by the tunnel itself. Times are this thread's CPU time
 * (user + system), as {@code openssl speed} counts by default, so other load on a shared machine
 * does not count against us.
 */
public final class TunnelBench {

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** This thread's CPU time in nanoseconds. */
    public static long cpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    private TunnelBench() {
    }

    /**
     * Seals batches of 40 {@code size}-byte packets in place in a direct buffer ({@link
     * TunnelSession#sealBatch}) and opens each into another ({@link TunnelSession#openTo}), for
     * {@code seconds}. Returns MB/s of packet bytes: {seal, open, seal+open}. Closes both sessions.
     */
    public static double[] batch(TunnelSession tx, TunnelSession rx, int size, double seconds) throws IOException {
        TxBatch b = new TxBatch(ByteBuffer.allocateDirect(64 * (size + TxBatch.OVERHEAD)), 64);
        ByteBuffer plain = ByteBuffer.allocateDirect(size + 64);
        long sealNs = 0;
        long openNs = 0;
        long packets = 0;
        long end = cpuNanos() + (long) (seconds * 1e9);
        while (cpuNanos() < end) {
            b.reset(b.buf);
            for (int i = 0; i < 40; i++) {
                b.add(size);
            }
            long t0 = cpuNanos();
            int n = tx.sealBatch(b);
            long t1 = cpuNanos();
            for (int i = 0; i < n; i++) {
                if (rx.openTo(b.buf, b.offsets[i], b.datagramLength(i), plain, 16) != TunnelSession.Verdict.OK) {
                    throw new IllegalStateException("open failed");
                }
            }
            long t2 = cpuNanos();
            sealNs += t1 - t0;
            openNs += t2 - t1;
            packets += n;
        }
        tx.close();
        rx.close();
        return rates(packets * size, sealNs, openNs);
    }

    /** As {@link #batch}, through the one-packet byte[] API ({@link TunnelSession#seal}, {@link TunnelSession#open}). */
    public static double[] arrays(TunnelSession tx, TunnelSession rx, int size, double seconds) throws IOException {
        byte[] packet = new byte[size];
        byte[][] sealed = new byte[40][];
        long sealNs = 0;
        long openNs = 0;
        long packets = 0;
        long end = cpuNanos() + (long) (seconds * 1e9);
        while (cpuNanos() < end) {
            long t0 = cpuNanos();
            for (int i = 0; i < sealed.length; i++) {
                sealed[i] = tx.seal(packet, 0, size);
            }
            long t1 = cpuNanos();
            for (byte[] d : sealed) {
                if (rx.open(d, 0, d.length).verdict() != TunnelSession.Verdict.OK) {
                    throw new IllegalStateException("open failed");
                }
            }
            long t2 = cpuNanos();
            sealNs += t1 - t0;
            openNs += t2 - t1;
            packets += sealed.length;
        }
        tx.close();
        rx.close();
        return rates(packets * size, sealNs, openNs);
    }

    private static double[] rates(long bytes, long sealNs, long openNs) {
        return new double[] {bytes / (sealNs / 1e9) / 1e6, bytes / (openNs / 1e9) / 1e6,
            bytes / ((sealNs + openNs) / 1e9) / 1e6};
    }
}
