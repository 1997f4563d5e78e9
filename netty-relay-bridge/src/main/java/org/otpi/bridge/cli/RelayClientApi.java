package org.otpi.bridge.cli;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.otpi.bridge.relay.FetchResult;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayException;
import org.otpi.bridge.relay.RelayListener;
import org.otpi.bridge.relay.Subscription;

/**
 * The CLI's {@link RelayApi} on the real relay client. The relay's references are exclusive of
 * {@code sinceRef} here ("everything after what I have"), inclusive in {@link RelayClient}.
 * Failures become {@link RelayUnreachableException} (naming the URL) or
 * {@link RelayRefusedException}.
 */
public final class RelayClientApi implements RelayApi {
    private static final int PAGE = 500;
    private final URI uri;
    private volatile RelayClient client;

    public RelayClientApi(URI relay) {
        this.uri = relay;
        this.client = RelayClient.builder(relay).build();
    }

    /** Registered through ServiceLoader for {@link RelayApiFactory#fromServiceLoader()}. */
    public static final class Factory implements RelayApiFactory {
        @Override
        public RelayApi connect(URI relay) {
            return new RelayClientApi(relay);
        }
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T call(Call<T> c) throws IOException {
        try {
            return c.run();
        } catch (RelayException e) {
            if (e.status() == 0 && e.getCause() != null) {
                throw new RelayUnreachableException("cannot reach the relay at " + uri
                        + ": is it running, and is the URL right? (change it with --relay URL)", e);
            }
            throw new RelayRefusedException(e.status(), "the relay at " + uri + " refused: " + e.getMessage());
        }
    }

    @Override
    public String register(String user) throws IOException {
        return register(user, null);
    }

    @Override
    public String register(String user, String invite) throws IOException {
        String token = call(() -> invite == null ? client.register(user) : client.register(user, invite));
        client = client.withToken(token);
        return token;
    }

    @Override
    public boolean exists(String user) throws IOException {
        return call(() -> client.user(user).isPresent());
    }

    @Override
    public void login(String user, String token) {
        client = client.withToken(token);
    }

    @Override
    public long send(String to, String packageB64, String idempotencyKey) throws IOException {
        return call(() -> client.send(List.of(to), packageB64, idempotencyKey).get(0));
    }

    @Override
    public List<RelayMessage> fetch(long sinceRef) throws IOException {
        return call(() -> {
            List<RelayMessage> out = new ArrayList<>();
            long from = sinceRef + 1;
            while (true) {
                FetchResult r = client.fetch(from, PAGE);
                for (org.otpi.bridge.relay.RelayMessage m : r.messages()) {
                    out.add(convert(m));
                }
                // nextRef moves past everything the relay's store returned, delivered or not; it
                // stays put only when nothing is left.
                if (r.nextRef() <= from) {
                    return out;
                }
                from = r.nextRef();
            }
        });
    }

    @Override
    public void ack(long ref) throws IOException {
        call(() -> client.ack(List.of(ref)));
    }

    @Override
    public List<RelayUser> users() throws IOException {
        return call(() -> {
            List<RelayUser> out = new ArrayList<>();
            for (org.otpi.bridge.relay.RelayUser u : client.users()) {
                out.add(new RelayUser(u.uid(), u.online()));
            }
            return out;
        });
    }

    @Override
    public AutoCloseable subscribe(long sinceRef, Consumer<RelayMessage> listener) throws IOException {
        return call(() -> client.subscribe(sinceRef + 1, new RelayListener() {
            @Override
            public void onMessages(List<org.otpi.bridge.relay.RelayMessage> messages) {
                for (org.otpi.bridge.relay.RelayMessage m : messages) {
                    listener.accept(convert(m));
                }
            }
        }));
    }

    private static RelayMessage convert(org.otpi.bridge.relay.RelayMessage m) {
        return new RelayMessage(m.ref(), m.from(), m.to(), m.contents());
    }

    @Override
    public void close() {
        client.close();
    }
}
