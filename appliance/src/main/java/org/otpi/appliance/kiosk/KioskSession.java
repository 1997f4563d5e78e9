package org.otpi.appliance.kiosk;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.otpi.protocol.kiosk.KioskCodec;
import org.otpi.protocol.kiosk.KioskMessage;
import org.tinylog.Logger;

/** One connected kiosk: a reader thread decoding requests and a writer thread sending lines. */
final class KioskSession {
    private final SocketChannel channel;
    private final KioskServer server;
    private final KioskHandler handler;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kiosk-writer");
        t.setDaemon(true);
        return t;
    });

    KioskSession(SocketChannel channel, KioskServer server, KioskHandler handler) {
        this.channel = channel;
        this.server = server;
        this.handler = handler;
    }

    void start() {
        Thread reader = new Thread(this::readLoop, "kiosk-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Queues a message; never blocks. */
    void send(KioskMessage message) {
        try {
            writer.execute(() -> {
                try {
                    KioskCodec.write(channel, message);
                } catch (IOException e) {
                    close();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // session already closed
        }
    }

    private void readLoop() {
        KioskCodec.LineReader lines = new KioskCodec.LineReader(channel);
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                KioskMessage message = KioskCodec.decode(line);
                if (!(message instanceof KioskMessage.Request request)) {
                    throw new IOException("not a request: " + message.getClass().getSimpleName());
                }
                handler.handle(request, this::send);
            }
        } catch (IOException e) {
            if (channel.isOpen()) {
                Logger.tag("security").warn("kiosk socket: bad input, closing: {}", e.getMessage());
            }
        } finally {
            close();
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        writer.shutdown();
        server.sessionClosed(this);
    }
}
