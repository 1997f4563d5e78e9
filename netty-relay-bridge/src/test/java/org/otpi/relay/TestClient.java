package org.otpi.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A small blocking HTTP/1.1 keep-alive client for the relay tests: it can bind a chosen local
 * address (127.0.0.2, ... are all loopback) and send {@code X-Forwarded-For}, so one test can be
 * several clients; it reconnects when the relay closed the connection. Not thread-safe.
 */
final class TestClient implements AutoCloseable {
    static final ObjectMapper M = new ObjectMapper();

    private final InetSocketAddress relay;
    private final InetAddress local;
    private final String forwardedFor;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** @param local null for any; @param forwardedFor null for none */
    TestClient(InetSocketAddress relay, InetAddress local, String forwardedFor) {
        this.relay = relay;
        this.local = local;
        this.forwardedFor = forwardedFor;
    }

    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return M.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(body, e);
            }
        }
    }

    private void connect() throws IOException {
        close();
        socket = new Socket();
        if (local != null) {
            socket.bind(new InetSocketAddress(local, 0));
        }
        socket.setTcpNoDelay(true);
        socket.connect(relay, 10_000);
        socket.setSoTimeout(30_000);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    Reply call(String method, String path, String jsonBody, String token) throws IOException {
        return call(method, path, jsonBody, token, Map.of());
    }

    Reply call(String method, String path, String jsonBody, String token, Map<String, String> headers) throws IOException {
        for (int attempt = 0; ; attempt++) {
            if (socket == null || socket.isClosed()) {
                connect();
            }
            try {
                return once(method, path, jsonBody, token, headers);
            } catch (IOException e) {
                close();
                if (attempt > 0) {
                    throw e;
                }
            }
        }
    }

    private Reply once(String method, String path, String jsonBody, String token, Map<String, String> headers)
            throws IOException {
        byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(256);
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: relay\r\nContent-Length: ").append(body.length)
                .append("\r\n");
        if (token != null) {
            h.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        if (forwardedFor != null) {
            h.append("X-Forwarded-For: ").append(forwardedFor).append("\r\n");
        }
        headers.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        if (body.length > 0) {
            h.append("Content-Type: application/json\r\n");
        }
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        String status = line();
        if (status.length() < 12) {
            throw new IOException("bad status line");
        }
        int code = Integer.parseInt(status.substring(9, 12));
        int length = 0;
        boolean close = false;
        String l;
        while (!(l = line()).isEmpty()) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.regionMatches(true, 0, "content-length", 0, colon)) {
                length = Integer.parseInt(l.substring(colon + 1).trim());
            } else if (colon > 0 && l.regionMatches(true, 0, "connection", 0, colon)) {
                close = l.substring(colon + 1).trim().equalsIgnoreCase("close");
            }
        }
        Reply r = new Reply(code, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        if (close) {
            close();
        }
        return r;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    String register(String uid) throws IOException {
        Reply r = call("POST", "/api/v1/register", "{\"uid\":\"" + uid + "\"}", null);
        if (r.status() != 201) {
            throw new IOException("register " + uid + ": " + r.status() + " " + r.body());
        }
        return r.json().get("token").asText();
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing
            }
            socket = null;
        }
    }

    /**
     * Someone using the relay normally while a test attacks it: alice sends bob a package, bob
     * fetches it and acknowledges it. {@link #roundTrips} times that.
     */
    static final class Victim implements AutoCloseable {
        private final TestClient c;
        private final String alice;
        private final String bob;
        private long next;

        Victim(InetSocketAddress relay, InetAddress local, String forwardedFor, String prefix) throws IOException {
            this.c = new TestClient(relay, local, forwardedFor);
            this.alice = c.register(prefix + "alice");
            this.bob = c.register(prefix + "bob");
            this.next = c.call("GET", "/api/v1/nextref", null, bob).json().get("nextRef").asLong();
        }

        /** One send, fetch and acknowledgement; its time in milliseconds. */
        double roundTrip() throws IOException {
            long t0 = System.nanoTime();
            Reply s = c.call("POST", "/api/v1/send", "{\"to\":[\"" + bobName() + "\"],\"contents\":\"QUJDRA==\"}", alice);
            if (s.status() != 200) {
                throw new IOException("victim send: " + s.status() + " " + s.body());
            }
            Reply f = c.call("GET", "/api/v1/messages?from=" + next, null, bob);
            if (f.status() != 200) {
                throw new IOException("victim fetch: " + f.status());
            }
            JsonNode ms = f.json().get("messages");
            if (ms.size() != 1) {
                throw new IOException("victim expected 1 package, got " + ms.size());
            }
            next = f.json().get("nextRef").asLong();
            Reply a = c.call("POST", "/api/v1/ack", "{\"refs\":[" + ms.get(0).get("ref").asLong() + "]}", bob);
            if (a.status() != 200) {
                throw new IOException("victim ack: " + a.status());
            }
            return (System.nanoTime() - t0) / 1e6;
        }

        private String bobName() {
            return bob.substring(0, bob.lastIndexOf('.'));
        }

        /** {@code n} round trips, sorted. */
        List<Double> roundTrips(int n) throws IOException {
            List<Double> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(roundTrip());
            }
            Collections.sort(out);
            return out;
        }

        static double p99(List<Double> sorted) {
            return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(0.99 * sorted.size()) - 1));
        }

        static double p50(List<Double> sorted) {
            return sorted.get(sorted.size() / 2);
        }

        @Override
        public void close() {
            c.close();
        }
    }
}
