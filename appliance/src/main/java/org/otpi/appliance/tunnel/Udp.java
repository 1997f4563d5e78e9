package org.otpi.appliance.tunnel;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A bound datagram socket. Real: {@link NettyUdp} (epoll on Linux); tests use an in-memory fake
 * network, which can also inject datagrams from any address (attacks).
 */
public interface Udp extends Closeable {

    /** Receives datagrams; the array is only valid during the call. */
    @FunctionalInterface
    interface Receiver {
        void onDatagram(InetSocketAddress from, byte[] data, int offset, int length);

        /**
         * A datagram in {@code data[position, limit)}, perhaps a direct buffer, valid only during
         * the call. By default copied to an array for the method above.
         */
        default void onDatagram(InetSocketAddress from, ByteBuffer data) {
            byte[] copy = new byte[data.remaining()];
            data.duplicate().get(copy);
            onDatagram(from, copy, 0, copy.length);
        }

        /** Called after each batch of datagrams read in one go (one socket wake-up). */
        default void onBatchEnd() {
        }
    }

    /** Starts delivering received datagrams to {@code receiver} (on the socket's own threads). */
    void start(Receiver receiver) throws IOException;

    /** Sends one datagram; best effort, never blocks for long. Thread-safe. */
    void send(InetSocketAddress to, byte[] data, int offset, int length);

    InetSocketAddress localAddress();
}
