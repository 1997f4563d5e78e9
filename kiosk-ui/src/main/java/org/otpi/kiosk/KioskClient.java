package org.otpi.kiosk;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.otpi.protocol.kiosk.KioskCodec;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.KioskMessage.Progress;
import org.otpi.protocol.kiosk.KioskMessage.Push;
import org.otpi.protocol.kiosk.KioskMessage.Reply;
import org.otpi.protocol.kiosk.KioskMessage.Request;
import org.tinylog.Logger;

/**
 * The kiosk end of the appliance socket. Requests get ids and futures; pushes go to listeners.
 * Reconnects every second while the appliance is away (it may start after the kiosk, or
 * restart). Listener calls come on the reader thread: the UI moves them to the FX thread.
 */
public final class KioskClient implements AutoCloseable {
    private final Path socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Reply>> waiting = new ConcurrentHashMap<>();
    private final Map<Long, Consumer<Progress>> progress = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Consumer<Push>> pushListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Consumer<Boolean>> connectionListeners = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();
    private volatile SocketChannel channel;
    private volatile boolean closed;
    private Thread reader;

    public KioskClient(Path socket) {
        this.socket = socket;
    }

    /** Starts connecting (and reconnecting) in the background. */
    public void start() {
        reader = new Thread(this::run, "kiosk-client");
        reader.setDaemon(true);
        reader.start();
    }

    public void onPush(Consumer<Push> listener) {
        pushListeners.add(listener);
    }

    /** Told true when connected, false when the connection is lost. */
    public void onConnection(Consumer<Boolean> listener) {
        connectionListeners.add(listener);
    }

    public boolean isConnected() {
        SocketChannel ch = channel;
        return ch != null && ch.isOpen();
    }

    /** Sends a request built with a fresh id; completes with its reply, or exceptionally. */
    public <R extends Reply> CompletableFuture<R> call(LongFunction<? extends Request> build, Class<R> replyType) {
        return call(build, replyType, null);
    }

    /** Like {@link #call(LongFunction, Class)}, with progress reports before the final reply. */
    public <R extends Reply> CompletableFuture<R> call(LongFunction<? extends Request> build, Class<R> replyType,
                                                       Consumer<Progress> onProgress) {
        long id = ids.incrementAndGet();
        Request request = build.apply(id);
        CompletableFuture<Reply> f = new CompletableFuture<>();
        waiting.put(id, f);
        if (onProgress != null) {
            progress.put(id, onProgress);
        }
        try {
            send(request);
        } catch (IOException e) {
            waiting.remove(id);
            progress.remove(id);
            f.completeExceptionally(e);
        }
        return f.orTimeout(5, TimeUnit.MINUTES).thenApply(reply -> {
            // A refusal first: callers asking for Done.class would otherwise take it for success.
            if (reply instanceof KioskMessage.Done d && !d.ok()) {
                throw new KioskException(d.error());
            }
            if (replyType.isInstance(reply)) {
                return replyType.cast(reply);
            }
            throw new KioskException("unexpected answer");
        });
    }

    /** Sends without waiting for the reply (decisions: the push that follows is what counts). */
    public long send(LongFunction<? extends Request> build) throws IOException {
        long id = ids.incrementAndGet();
        send(build.apply(id));
        return id;
    }

    private void send(Request request) throws IOException {
        SocketChannel ch = channel;
        if (ch == null || !ch.isOpen()) {
            throw new IOException("not connected to the device");
        }
        synchronized (writeLock) {
            KioskCodec.write(ch, request);
        }
    }

    private void run() {
        while (!closed) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                channel = ch;
                Logger.info("connected to the appliance at {}", socket);
                connectionListeners.forEach(l -> l.accept(true));
                KioskCodec.LineReader lines = new KioskCodec.LineReader(ch);
                String line;
                while ((line = lines.readLine()) != null) {
                    dispatch(KioskCodec.decode(line));
                }
            } catch (IOException e) {
                Logger.debug("appliance socket: {}", e.toString());
            }
            boolean wasConnected = channel != null;
            channel = null;
            waiting.values().forEach(f -> f.completeExceptionally(new KioskException("connection lost")));
            waiting.clear();
            progress.clear();
            if (wasConnected) {
                connectionListeners.forEach(l -> l.accept(false));
            }
            if (!closed) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void dispatch(KioskMessage message) {
        if (message instanceof Progress p) {
            Consumer<Progress> c = progress.get(p.id());
            if (c != null) {
                c.accept(p);
            }
        } else if (message instanceof Reply r) {
            progress.remove(r.id());
            CompletableFuture<Reply> f = waiting.remove(r.id());
            if (f != null) {
                f.complete(r);
            }
        } else if (message instanceof Push p) {
            for (Consumer<Push> l : pushListeners) {
                try {
                    l.accept(p);
                } catch (RuntimeException e) {
                    Logger.error(e, "push listener failed");
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        SocketChannel ch = channel;
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing
            }
        }
        if (reader != null) {
            reader.interrupt();
        }
    }

    /** A failure with a short text to show the person. */
    public static final class KioskException extends RuntimeException {
        public KioskException(String message) {
            super(message, null, false, false);
        }
    }
}
