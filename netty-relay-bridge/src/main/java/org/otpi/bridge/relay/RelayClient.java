package org.otpi.bridge.relay;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The laptop side of the relay API ({@code /api/v1}), on the JDK's {@link HttpClient}.
 *
 * <p>It remembers nothing between calls except its token: the caller stores the ref to fetch
 * from. The relay is untrusted: responses are size-bounded and parsed defensively, and every
 * package it hands over must go to the device to be checked.
 *
 * <pre>{@code
 * RelayClient anon = RelayClient.builder(URI.create("http://127.0.0.1:8090")).build();
 * String token = anon.register("alice");              // keep it; the relay keeps only its hash
 * RelayClient alice = anon.withToken(token);
 * alice.send(List.of("bob"), base64Package);
 * FetchResult r = alice.fetch(savedRef, 100);         // then save r.nextRef()
 * alice.ack(refsOf(r));
 * Subscription s = alice.subscribe(savedRef, listener);
 * }</pre>
 *
 * <p>Thread-safe; instances are cheap and may share one {@link HttpClient}.
 */
public final class RelayClient implements AutoCloseable {
    /** Largest response body accepted from the relay. */
    public static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final URI base;
    private final HttpClient http;
    private final boolean ownsHttp;
    private final String token;
    private final Duration timeout;

    private RelayClient(URI base, HttpClient http, boolean ownsHttp, String token, Duration timeout) {
        this.base = base;
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.token = token;
        this.timeout = timeout;
    }

    /** @param base {@code http://host:port} or {@code https://host:port} of the relay */
    public static Builder builder(URI base) {
        return new Builder(base);
    }

    /** Builder; {@link #build()} may be called once. */
    public static final class Builder {
        private final URI base;
        private HttpClient http;
        private String token;
        private Duration timeout = Duration.ofSeconds(30);
        private SSLContext ssl;

        private Builder(URI base) {
            this.base = Objects.requireNonNull(base, "base");
            String scheme = base.getScheme();
            if (!"http".equals(scheme) && !"https".equals(scheme)) {
                throw new IllegalArgumentException("relay URI must be http or https");
            }
        }

        /** The account token from {@link RelayClient#register}. */
        public Builder token(String t) {
            this.token = t;
            return this;
        }

        /** Share an HttpClient among many RelayClients (it is not closed by {@link RelayClient#close()}). */
        public Builder httpClient(HttpClient client) {
            this.http = client;
            return this;
        }

        /** Per-request timeout (default 30 s). */
        public Builder timeout(Duration d) {
            this.timeout = d;
            return this;
        }

        /** Trust exactly this certificate (PEM, from {@code otpi-relay make-cert}) for https. */
        public Builder trustCertificate(Path pem) throws IOException, GeneralSecurityException {
            this.ssl = sslTrusting(pem);
            return this;
        }

        public RelayClient build() {
            if (http != null && ssl != null) {
                throw new IllegalStateException("trustCertificate() and httpClient() together: give the shared"
                        + " HttpClient the SSLContext from RelayClient.sslTrusting(pem) instead");
            }
            if (http != null) {
                return new RelayClient(base, http, false, token, timeout);
            }
            HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER);
            if (ssl != null) {
                b.sslContext(ssl);
            }
            return new RelayClient(base, b.build(), true, token, timeout);
        }
    }

    /** An SSLContext that trusts only the certificate(s) in a PEM file. */
    public static SSLContext sslTrusting(Path pem) throws IOException, GeneralSecurityException {
        KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
        ts.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ts.setCertificateEntry("relay-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The same relay and HttpClient with another token. */
    public RelayClient withToken(String newToken) {
        return new RelayClient(base, http, false, newToken, timeout);
    }

    // ------------------------------------------------------------------ API

    /**
     * {@code GET /api/v1/health}: true if the relay answers and its store does (a relay whose
     * database is down answers 503 here, so a load balancer sends no traffic to it).
     */
    public boolean health() {
        try {
            return "ok".equals(call("GET", "/api/v1/health", null, false).path("status").asText());
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Registers an account and returns its token, shown only this once.
     *
     * @throws RelayException 409 if the name is taken, 400 if it is not 1-64 of {@code A-Za-z0-9_.-}
     */
    public String register(String uid) throws IOException {
        return register(uid, null);
    }

    /**
     * Registers with an invite code (a relay run with {@code --registration invite} needs one;
     * an open relay ignores it).
     *
     * @throws RelayException 403 if the relay is closed to registration or the code is unknown,
     *     used or expired; 409 if the name is taken
     */
    public String register(String uid, String invite) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("uid", uid);
        if (invite != null) {
            body.put("invite", invite);
        }
        JsonNode n = call("POST", "/api/v1/register", body, false);
        String t = n.path("token").asText(null);
        if (t == null || t.isEmpty()) {
            throw new RelayException(0, "relay returned no token");
        }
        return t;
    }

    /** Sends one package to several recipients; returns one ref per recipient, same order. */
    public List<Long> send(List<String> to, String contentsBase64) throws IOException {
        return send(to, contentsBase64, null);
    }

    /**
     * Like {@link #send(List, String)}, with an idempotency key (1-64 of {@code A-Z a-z 0-9 _ -},
     * sent as the {@code Idempotency-Key} header): a retry with the same key and the same sender
     * is stored once and answered with the refs of the first. Use one random key per sealed
     * package, so a send retried after a timeout or a failover never queues the package twice.
     */
    public List<Long> send(List<String> to, String contentsBase64, String idempotencyKey) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("to", to);
        body.put("contents", contentsBase64);
        JsonNode n = call("POST", "/api/v1/send", body, true,
                idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey));
        List<Long> refs = new ArrayList<>();
        for (JsonNode r : n.path("refs")) {
            refs.add(r.asLong());
        }
        if (refs.size() != to.size()) {
            throw new RelayException(0, "relay returned a malformed answer");
        }
        return refs;
    }

    /** Sends one package to one recipient; returns its ref. */
    public long send(String to, String contentsBase64) throws IOException {
        return send(List.of(to), contentsBase64).get(0);
    }

    /** Queued packages with {@code ref >= fromRef} (at most {@code limit}; the relay caps it). */
    public FetchResult fetch(long fromRef, int limit) throws IOException {
        JsonNode n = call("GET", "/api/v1/messages?from=" + Math.max(0, fromRef) + "&limit=" + Math.max(1, limit), null, true);
        List<RelayMessage> out = parseMessages(n.path("messages"));
        long next = n.path("nextRef").asLong(fromRef);
        return new FetchResult(out, Math.max(next, fromRef));
    }

    /** Deletes packages from the relay's queue; returns how many it deleted. */
    public int ack(Collection<Long> refs) throws IOException {
        if (refs.isEmpty()) {
            return 0;
        }
        return call("POST", "/api/v1/ack", Map.of("refs", List.copyOf(refs)), true).path("acked").asInt();
    }

    /**
     * Accounts the relay lists and whether they are online: those active recently (most recent
     * first), then new accounts not used yet; bounded by the relay. Use {@link #user} to look
     * one up by name.
     */
    public List<RelayUser> users() throws IOException {
        List<RelayUser> out = new ArrayList<>();
        for (JsonNode u : call("GET", "/api/v1/users", null, true).path("users")) {
            out.add(new RelayUser(u.path("uid").asText(), u.path("online").asBoolean()));
        }
        return out;
    }

    /**
     * One account by name, if it exists on the relay ({@link #users()} lists only recently
     * active accounts; this finds any).
     */
    public java.util.Optional<RelayUser> user(String uid) throws IOException {
        if (uid == null || !uid.matches("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}")) {
            return java.util.Optional.empty();
        }
        try {
            JsonNode n = call("GET", "/api/v1/users/" + uid, null, true);
            return java.util.Optional.of(new RelayUser(n.path("uid").asText(), n.path("online").asBoolean()));
        } catch (RelayException e) {
            if (e.status() == 404) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    /** The ref the next stored package will get (start here to skip history). */
    public long nextRef() throws IOException {
        return call("GET", "/api/v1/nextref", null, true).path("nextRef").asLong();
    }

    /**
     * Opens a live session: the relay first sends the queued packages with {@code ref >= fromRef},
     * then {@link RelayListener#onSynced}, then new packages as they arrive. Blocks until the
     * WebSocket is open.
     */
    public Subscription subscribe(long fromRef, RelayListener listener) throws IOException {
        requireToken();
        String wsBase = base.toString().replaceFirst("^http", "ws");
        URI uri = URI.create(stripSlash(wsBase) + "/api/v1/ws?from=" + Math.max(0, fromRef));
        WsListener l = new WsListener(listener);
        try {
            WebSocket ws = http.newWebSocketBuilder()
                    .header("Authorization", "Bearer " + token)
                    .connectTimeout(timeout)
                    .buildAsync(uri, l)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new WsSubscription(ws, l);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.net.http.WebSocketHandshakeException h) {
                throw new RelayException(h.getResponse().statusCode(), "relay refused the WebSocket");
            }
            throw new RelayException("cannot open WebSocket", c);
        } catch (TimeoutException e) {
            throw new RelayException("WebSocket open timed out", e);
        }
    }

    @Override
    public void close() {
        // java.net.http.HttpClient has no close() before JDK 21; its threads die with it.
    }

    // ------------------------------------------------------------------ plumbing

    private void requireToken() {
        if (token == null) {
            throw new IllegalStateException("this RelayClient has no token; use withToken()");
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private JsonNode call(String method, String pathAndQuery, Object body, boolean authenticated) throws IOException {
        return call(method, pathAndQuery, body, authenticated, Map.of());
    }

    private JsonNode call(String method, String pathAndQuery, Object body, boolean authenticated,
                          Map<String, String> headers) throws IOException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(stripSlash(base.toString()) + pathAndQuery))
                .timeout(timeout)
                .header("Accept", "application/json");
        headers.forEach(b::header);
        if (authenticated) {
            requireToken();
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<InputStream> resp;
        try {
            resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        } catch (IOException e) {
            throw new RelayException("relay unreachable: " + e.getClass().getSimpleName(), e);
        }
        byte[] bytes;
        try (InputStream in = resp.body()) {
            bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
        }
        if (bytes.length > MAX_RESPONSE_BYTES) {
            throw new RelayException(resp.statusCode(), "relay answer too large");
        }
        if (resp.statusCode() / 100 != 2) {
            String word = "";
            try {
                word = MAPPER.readTree(bytes).path("error").asText("");
            } catch (IOException ignored) {
                // not JSON: keep the status only
            }
            throw new RelayException(resp.statusCode(), "relay refused (" + resp.statusCode() + (word.isEmpty() ? "" : " " + word) + ")");
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new RelayException(resp.statusCode(), "relay returned malformed JSON");
        }
    }

    static List<RelayMessage> parseMessages(JsonNode arr) throws RelayException {
        List<RelayMessage> out = new ArrayList<>();
        if (!arr.isArray()) {
            return out;
        }
        for (JsonNode m : arr) {
            if (!m.path("ref").canConvertToLong() || !m.path("contents").isTextual()) {
                throw new RelayException(0, "relay returned a malformed package");
            }
            out.add(new RelayMessage(m.path("ref").asLong(), m.path("from").asText(""), m.path("to").asText(""),
                    m.path("contents").asText(), m.path("sentAt").asLong()));
        }
        return out;
    }

    /** Assembles text frames, bounded, and hands them to the user's listener. */
    private static final class WsListener implements WebSocket.Listener {
        private final RelayListener user;
        private final StringBuilder text = new StringBuilder();
        private final AtomicBoolean done = new AtomicBoolean();

        WsListener(RelayListener user) {
            this.user = user;
        }

        @Override
        public void onOpen(WebSocket ws) {
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            if (text.length() + data.length() > MAX_RESPONSE_BYTES) {
                ws.abort();
                finish(() -> user.onError(new RelayException(0, "relay frame too large")));
                return null;
            }
            text.append(data);
            if (last) {
                String frame = text.toString();
                text.setLength(0);
                try {
                    dispatch(frame);
                } catch (IOException | RuntimeException e) {
                    ws.abort();
                    finish(() -> user.onError(e));
                    return null;
                }
            }
            ws.request(1);
            return null;
        }

        private void dispatch(String frame) throws IOException {
            JsonNode n = MAPPER.readTree(frame);
            switch (n.path("type").asText("")) {
                case "messages" -> user.onMessages(parseMessages(n.path("messages")));
                case "synced" -> user.onSynced(n.path("nextRef").asLong());
                default -> {
                    // unknown frame types are ignored (forward compatibility)
                }
            }
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, java.nio.ByteBuffer data, boolean last) {
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            finish(() -> user.onClosed(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            finish(() -> user.onError(error));
        }

        private void finish(Runnable r) {
            if (done.compareAndSet(false, true)) {
                r.run();
            }
        }
    }

    private static final class WsSubscription implements Subscription {
        private final WebSocket ws;
        private final WsListener listener;
        private CompletableFuture<WebSocket> lastSend = CompletableFuture.completedFuture(null);

        WsSubscription(WebSocket ws, WsListener listener) {
            this.ws = ws;
            this.listener = listener;
        }

        @Override
        public synchronized void ack(Collection<Long> refs) {
            if (refs.isEmpty() || !isOpen()) {
                return;
            }
            String frame;
            try {
                frame = MAPPER.writeValueAsString(Map.of("type", "ack", "refs", List.copyOf(refs)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            // WebSocket allows one outstanding send: chain them.
            lastSend = lastSend.handle((w, e) -> null).thenCompose(x -> ws.sendText(frame, true));
        }

        @Override
        public boolean isOpen() {
            return !ws.isOutputClosed() && !ws.isInputClosed() && !listener.done.get();
        }

        @Override
        public synchronized void close() {
            if (!ws.isOutputClosed()) {
                lastSend.handle((w, e) -> null)
                        .thenCompose(x -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye"))
                        .orTimeout(5, TimeUnit.SECONDS)
                        .whenComplete((w, e) -> ws.abort());
            }
        }
    }

}
