package org.otpi.appliance.kiosk;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.otpi.protocol.kiosk.KioskCodec;
import org.otpi.protocol.kiosk.KioskMessage;

/** A bare test client: sends requests, queues everything the appliance sends. */
final class RawKiosk implements AutoCloseable {
    final SocketChannel channel;
    final BlockingQueue<KioskMessage> received = new LinkedBlockingQueue<>();
    volatile boolean eof;

    RawKiosk(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(() -> {
            KioskCodec.LineReader lines = new KioskCodec.LineReader(channel);
            try {
                String line;
                while ((line = lines.readLine()) != null) {
                    received.add(KioskCodec.decode(line));
                }
            } catch (IOException ignored) {
                // closed
            }
            eof = true;
        }, "raw-kiosk");
        t.setDaemon(true);
        t.start();
    }

    void send(KioskMessage m) throws IOException {
        KioskCodec.write(channel, m);
    }

    <T extends KioskMessage> T await(Class<T> type, Predicate<T> match) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // a bound for a loaded machine, not a speed claim
        while (System.nanoTime() < end) {
            KioskMessage m = received.poll(50, TimeUnit.MILLISECONDS);
            if (type.isInstance(m) && match.test(type.cast(m))) {
                return type.cast(m);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " within 30 s");
    }

    <T extends KioskMessage> T await(Class<T> type) throws InterruptedException {
        return await(type, m -> true);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
