package org.otpi.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.SqliteRelayStore;

/** A real relay on a real loopback socket, with a SQLite store in a temporary directory. */
final class RelayFixture implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final RelayStore store;
    final RelayServer server;

    RelayFixture(RelayStore store, RelayConfig config) throws InterruptedException {
        this.store = store;
        this.server = RelayServer.start(config, store);
    }

    static RelayFixture sqlite(Path dir, RelayConfig.Builder config) throws InterruptedException {
        return new RelayFixture(SqliteRelayStore.open(dir.resolve("relay.db"), SqliteRelayStore.Sync.NORMAL),
                config.bind("127.0.0.1").port(0).build());
    }

    static RelayConfig.Builder testConfig() {
        return RelayConfig.builder().workerThreads(8).ioThreads(2)
                .limits(RelayLimits.defaults().withRegistrationRate(1000, 1000));
    }

    URI uri() {
        return server.uri();
    }

    record Reply(int status, String body) {
    }

    Reply call(String method, String path, String body, String token) throws IOException, InterruptedException {
        return call(method, path, body, token, "application/json");
    }

    Reply call(String method, String path, String body, String token, String contentType)
            throws IOException, InterruptedException {
        return call(method, path, body, token, contentType, java.util.Map.of());
    }

    Reply call(String method, String path, String body, String token, String contentType, java.util.Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(uri() + path)).timeout(Duration.ofSeconds(10));
        headers.forEach(b::header);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    /** Writes raw bytes and reads whatever comes back until close or a quiet period. */
    byte[] raw(byte[] request, int quietMillis) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(quietMillis);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the relay may close on garbage before we finish writing
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // quiet: done
            } catch (IOException e) {
                // reset by peer: fine
            }
            return got.toByteArray();
        }
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        server.close();
        store.close();
    }
}
