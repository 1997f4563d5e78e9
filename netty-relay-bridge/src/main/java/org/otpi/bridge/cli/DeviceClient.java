package org.otpi.bridge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.ContactsResponse;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.ErrorResponse;
import org.otpi.protocol.rpc.HealthResponse;
import org.otpi.protocol.rpc.OpenConfirmRequest;
import org.otpi.protocol.rpc.OpenConfirmResponse;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.OpenResponse;
import org.otpi.protocol.rpc.OutboxAckRequest;
import org.otpi.protocol.rpc.OutboxAckResponse;
import org.otpi.protocol.rpc.OutboxEntry;
import org.otpi.protocol.rpc.OutboxResponse;
import org.otpi.protocol.rpc.PairFinishRequest;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartRequest;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.RpcJson;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealRequest;
import org.otpi.protocol.rpc.SealResponse;
import org.otpi.protocol.rpc.StreamFrames;
import org.otpi.protocol.rpc.StreamSummary;
import org.otpi.protocol.rpc.WhoamiResponse;

/**
 * The laptop's side of the device RPC (java.net.http). It sees what the person typed, packages
 * and opened plaintext; never pad bytes. Requests that need an approval wait as long as the
 * person takes (up to the device's approval timeout); after {@link #NOTE_AFTER_MS} ms of waiting
 * the {@link #onWaiting} note tells the person to look at the device.
 *
 * <p>Every failure is an {@link IOException} whose message says what failed and what to do:
 * {@link DeviceUnreachableException} (with the URL) or {@link DeviceClientException} (with the
 * device's stable code).
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class DeviceClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    static final long NOTE_AFTER_MS = 500;
    static final String WAITING_NOTE = "Approve on the device… (waiting for the person at the device)";
    private static final ScheduledExecutorService NOTES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "otpi-approval-note");
        t.setDaemon(true);
        return t;
    });
    private final URI base;
    private final String token;
    private final HttpClient http;
    private volatile Consumer<String> waitingNote = line -> { };

    /** @param token the bearer token from pairing, or null before pairing */
    public DeviceClient(URI base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI base() {
        return base;
    }

    /** Where the "approve on the device" note goes when an approval takes a moment. */
    public void onWaiting(Consumer<String> note) {
        this.waitingNote = note;
    }

    public HealthResponse health() throws IOException {
        return call(get(RpcPaths.HEALTH), HealthResponse.class);
    }

    public WhoamiResponse whoami() throws IOException {
        return call(get(RpcPaths.WHOAMI), WhoamiResponse.class);
    }

    public List<ContactEntry> contacts() throws IOException {
        return call(get(RpcPaths.CONTACTS), ContactsResponse.class).contacts();
    }

    public PairStartResponse pairStart(String clientName) throws IOException {
        return call(post(RpcPaths.PAIR_START, new PairStartRequest(clientName)), PairStartResponse.class);
    }

    public PairFinishResponse pairFinish(String pairingId, String code) throws IOException {
        return call(post(RpcPaths.PAIR_FINISH, new PairFinishRequest(pairingId, code)), PairFinishResponse.class);
    }

    /** Gives up a pairing this laptop started (best effort: a pairing left alone expires anyway). */
    public void pairCancel(String pairingId) {
        try {
            call(post(RpcPaths.PAIR_CANCEL, new org.otpi.protocol.rpc.PairCancelRequest(pairingId)),
                    com.fasterxml.jackson.databind.JsonNode.class);
        } catch (IOException | RuntimeException e) {
            // nothing to do: it expires on the device within two minutes
        }
    }

    /** Seals {@code message} for {@code contact}; format null means the device default (V2). */
    public SealResponse seal(String contact, byte[] message, String format) throws IOException {
        HttpRequest req = post(RpcPaths.SEAL, new SealRequest(contact, Base64.getEncoder().encodeToString(message), format));
        return withNote(() -> call(req, SealResponse.class));
    }

    public OpenResponse open(String contact, byte[] packageBytes) throws IOException {
        HttpRequest req = post(RpcPaths.OPEN, new OpenRequest(contact, Base64.getEncoder().encodeToString(packageBytes)));
        return withNote(() -> call(req, OpenResponse.class));
    }

    /** Packages sealed from text written on the device's screen, waiting to be carried (ciphertext only). */
    public List<OutboxEntry> outbox() throws IOException {
        return call(get(RpcPaths.OUTBOX), OutboxResponse.class).packages();
    }

    /** The relay stored the package {@code id} written on the device: it may forget it. */
    public boolean outboxAck(String id) throws IOException {
        return call(post(RpcPaths.OUTBOX_ACK, new OutboxAckRequest(id)), OutboxAckResponse.class).forgotten();
    }

    /** Tells the device the message opened at {@code index} is stored here: it may destroy its copy. */
    public void confirm(String contact, long index) throws IOException {
        call(post(RpcPaths.OPEN_CONFIRM, new OpenConfirmRequest(contact, index)), OpenConfirmResponse.class);
    }

    /**
     * Streams {@code in} through the device's file sealing into {@code tmp} (prepared by the
     * caller before anything was asked of the device); {@code progress} gets bytes uploaded.
     * {@code sha256} is the file's SHA-256 in hex ({@link org.otpi.protocol.rpc.FileFingerprint}):
     * the device shows its short form for the person to compare with what this laptop printed, and
     * refuses a body that does not match it ({@code fingerprint_mismatch}).
     */
    public StreamSummary sealFile(String contact, Path in, Path tmp, String format, String sha256, LongConsumer progress)
            throws IOException {
        String name = in.getFileName() == null ? "" : in.getFileName().toString();
        String q = "?contact=" + enc(contact) + (format == null ? "" : "&format=" + enc(format)) + "&sha256=" + enc(sha256)
                + (name.isEmpty() || name.length() > RpcPaths.MAX_FILE_NAME ? "" : "&name=" + enc(name));
        return withNote(() -> stream(RpcPaths.FILE_SEAL + q, counting(HttpRequest.BodyPublishers.ofFile(in), progress), tmp));
    }

    /**
     * Streams a sealed file through the device into {@code tmp}. Returns only after the device's
     * summary frame; on any failure {@code tmp} may hold unauthenticated bytes and the caller must
     * delete it (see {@link OutputFile}).
     */
    public StreamSummary openFile(String contact, Path in, Path tmp, LongConsumer progress) throws IOException {
        return withNote(() -> stream(RpcPaths.FILE_OPEN + "?contact=" + enc(contact),
                counting(HttpRequest.BodyPublishers.ofFile(in), progress), tmp));
    }

    /** Like {@link #openFile(String, Path, Path, LongConsumer)} for a package already in memory. */
    public StreamSummary openFile(String contact, byte[] sealed, Path tmp) throws IOException {
        return withNote(() -> stream(RpcPaths.FILE_OPEN + "?contact=" + enc(contact),
                HttpRequest.BodyPublishers.ofByteArray(sealed), tmp));
    }

    private StreamSummary stream(String pathAndQuery, HttpRequest.BodyPublisher body, Path tmp) throws IOException {
        HttpRequest req = authorize(HttpRequest.newBuilder(base.resolve(pathAndQuery)))
                .header("Content-Type", "application/octet-stream")
                .POST(body).timeout(TIMEOUT).build();
        HttpResponse<InputStream> response = send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                throw failure(response.statusCode(), in.readNBytes(RpcPaths.MAX_JSON_BODY));
            }
        }
        try (InputStream in = response.body(); OutputStream file = Files.newOutputStream(tmp)) {
            StreamFrames.Frame frame;
            while ((frame = StreamFrames.read(in)) != null) {
                switch (frame.type()) {
                    case StreamFrames.DATA -> file.write(frame.payload());
                    case StreamFrames.ERROR -> throw failure(200, frame.payload());
                    default -> {
                        StreamSummary summary = RpcJson.mapper().readValue(frame.payload(), StreamSummary.class);
                        if (in.read() != -1) {
                            throw new IOException("the device sent data after its summary: output discarded");
                        }
                        file.flush();
                        return summary;
                    }
                }
            }
            throw new DeviceUnreachableException("the connection to the device at " + base
                    + " ended before the device confirmed the result: output discarded", null);
        } catch (IOException e) {
            if (e instanceof DeviceClientException || e instanceof DeviceUnreachableException) {
                throw e;
            }
            throw unreachable(e);
        }
    }

    /** A body publisher that reports the bytes handed to the connection so far. */
    private static HttpRequest.BodyPublisher counting(HttpRequest.BodyPublisher inner, LongConsumer progress) {
        if (progress == null) {
            return inner;
        }
        AtomicLong sent = new AtomicLong();
        return new HttpRequest.BodyPublisher() {
            @Override
            public long contentLength() {
                return inner.contentLength();
            }

            @Override
            public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
                inner.subscribe(new Flow.Subscriber<ByteBuffer>() {
                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        s.onSubscribe(subscription);
                    }

                    @Override
                    public void onNext(ByteBuffer item) {
                        long n = sent.addAndGet(item.remaining());
                        s.onNext(item);
                        progress.accept(n);
                    }

                    @Override
                    public void onError(Throwable t) {
                        s.onError(t);
                    }

                    @Override
                    public void onComplete() {
                        s.onComplete();
                    }
                });
            }
        };
    }

    private interface Call<T> {
        T run() throws IOException;
    }

    /** Runs an approval-needing call; if it takes a moment, tells the person where to look. */
    private <T> T withNote(Call<T> call) throws IOException {
        Consumer<String> note = waitingNote;
        ScheduledFuture<?> f = NOTES.schedule(() -> note.accept(WAITING_NOTE), NOTE_AFTER_MS, TimeUnit.MILLISECONDS);
        try {
            return call.run();
        } finally {
            f.cancel(false);
        }
    }

    private HttpRequest get(String path) {
        return authorize(HttpRequest.newBuilder(base.resolve(path))).GET().timeout(TIMEOUT).build();
    }

    private HttpRequest post(String path, Object body) throws JsonProcessingException {
        return authorize(HttpRequest.newBuilder(base.resolve(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(RpcJson.mapper().writeValueAsBytes(body)))
                .timeout(TIMEOUT).build();
    }

    private HttpRequest.Builder authorize(HttpRequest.Builder b) {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private <T> T call(HttpRequest req, Class<T> type) throws IOException {
        HttpResponse<byte[]> r = send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw failure(r.statusCode(), r.body());
        }
        try {
            return RpcJson.mapper().readValue(r.body(), type);
        } catch (IOException e) {
            throw new IOException("the device at " + base + " answered something this client does not understand"
                    + " (a different OTPi version?)", e);
        }
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private DeviceUnreachableException unreachable(IOException e) {
        if (e instanceof HttpConnectTimeoutException || e instanceof ConnectException
                || e.getCause() instanceof ConnectException) {
            return new DeviceUnreachableException("cannot reach the device at " + base
                    + ": is it plugged in and running? (in emulation: bin/otpi-emulate; another device: --device URL)", e);
        }
        if (e instanceof HttpTimeoutException) {
            return new DeviceUnreachableException("the device at " + base + " did not answer in time", e);
        }
        return new DeviceUnreachableException("the connection to the device at " + base + " broke ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", e);
    }

    private DeviceClientException failure(int status, byte[] body) {
        String code = ErrorCodes.FAILED;
        List<String> warnings = List.of();
        try {
            ErrorResponse e = RpcJson.mapper().readValue(body, ErrorResponse.class);
            code = e.code();
            warnings = e.warnings();
        } catch (IOException notJson) {
            // keep "failed"
        }
        return new DeviceClientException(status, code, warnings, explain(code));
    }

    /** What to tell the person for a device error code (callers add what they know, e.g. the limit). */
    String explain(String code) {
        return switch (code) {
            case ErrorCodes.DENIED -> "denied on the device: the person at the device said no";
            case ErrorCodes.APPROVAL_TIMEOUT -> "no one answered on the device in time: approve it on the device's"
                    + " screen when it asks, then try again";
            case ErrorCodes.NO_APPROVER -> "the device has no way to ask for approval (no kiosk connected):"
                    + " start the kiosk on the device, then try again";
            case ErrorCodes.BUSY -> "the device is busy with another request from this laptop: try again in a moment";
            case ErrorCodes.UNAUTHORIZED -> "this laptop is not paired with the device at " + base
                    + " (or its pairing was revoked): run 'otpi pair'";
            case ErrorCodes.LOCKED -> "the device is locked: unlock it on the device's screen";
            case ErrorCodes.PAD_EXHAUSTED -> "not enough pad left";
            case ErrorCodes.UNKNOWN_CONTACT -> "no pad for that contact on the device";
            case ErrorCodes.TOO_LARGE -> "too large for the device";
            case ErrorCodes.REPLAY -> "already opened before (a replay)";
            case ErrorCodes.REJECTED -> "rejected by the device: not authentic (forged or corrupted)";
            case ErrorCodes.WRONG_CODE -> "wrong code";
            case ErrorCodes.UNKNOWN_MESSAGE -> "the device has no such opened message";
            case ErrorCodes.BAD_REQUEST -> "the device refused the request as malformed";
            case ErrorCodes.NO_SCREEN -> "messages from this contact are read on the device's screen only, and this"
                    + " device has none (buttons only): it cannot open them";
            case ErrorCodes.READ_ON_DEVICE -> "messages from this contact are read on the device's screen only, so the"
                    + " device gives no file from them to the laptop (turn \"Read here\" off on the device's pad card)";
            case ErrorCodes.FINGERPRINT_MISMATCH -> "the file sent was not the one whose fingerprint was approved (did it"
                    + " change while sealing?): the device made no package";
            default -> "the device could not do it (its security log says why)";
        };
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
