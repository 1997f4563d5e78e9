package org.otpi.bridge.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.ContactsResponse;
import org.otpi.protocol.rpc.ErrorResponse;
import org.otpi.protocol.rpc.HealthResponse;
import org.otpi.protocol.rpc.OpenRequest;
import org.otpi.protocol.rpc.OpenResponse;
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
 * person takes (up to the device's approval timeout).
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class DeviceClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(150);
    private final URI base;
    private final String token;
    private final HttpClient http;

    /** @param token the bearer token from pairing, or null before pairing */
    public DeviceClient(URI base, String token) {
        this.base = base;
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
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

    /** Seals {@code message} for {@code contact}; format null means the device default (V2). */
    public SealResponse seal(String contact, byte[] message, String format) throws IOException {
        return call(post(RpcPaths.SEAL, new SealRequest(contact, Base64.getEncoder().encodeToString(message), format)),
                SealResponse.class);
    }

    public OpenResponse open(String contact, byte[] packageBytes) throws IOException {
        return call(post(RpcPaths.OPEN, new OpenRequest(contact, Base64.getEncoder().encodeToString(packageBytes))),
                OpenResponse.class);
    }

    /** Streams {@code in} through the device's file sealing into {@code out} (written only on success). */
    public StreamSummary sealFile(String contact, Path in, Path out, String format) throws IOException {
        String q = "?contact=" + enc(contact) + (format == null ? "" : "&format=" + enc(format));
        return stream(RpcPaths.FILE_SEAL + q, in, out);
    }

    /**
     * Streams a sealed file through the device into {@code out}. The plaintext goes to a temporary
     * file first and is moved into place only after the device's summary frame; on any failure the
     * temporary file is deleted, so unauthenticated output never appears under {@code out}.
     */
    public StreamSummary openFile(String contact, Path in, Path out) throws IOException {
        return stream(RpcPaths.FILE_OPEN + "?contact=" + enc(contact), in, out);
    }

    private StreamSummary stream(String pathAndQuery, Path in, Path out) throws IOException {
        HttpRequest req = authorize(HttpRequest.newBuilder(base.resolve(pathAndQuery)))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(in)).timeout(TIMEOUT).build();
        HttpResponse<InputStream> response = send(req, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                throw failure(response.statusCode(), body.readNBytes(RpcPaths.MAX_JSON_BODY));
            }
        }
        Path dir = out.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".otpi-", ".part");
        boolean ok = false;
        try (InputStream body = response.body(); OutputStream file = Files.newOutputStream(tmp)) {
            StreamFrames.Frame frame;
            while ((frame = StreamFrames.read(body)) != null) {
                switch (frame.type()) {
                    case StreamFrames.DATA -> file.write(frame.payload());
                    case StreamFrames.ERROR -> throw failure(200, frame.payload());
                    default -> {
                        StreamSummary summary = RpcJson.mapper().readValue(frame.payload(), StreamSummary.class);
                        if (body.read() != -1) {
                            throw new IOException("data after the summary");
                        }
                        file.close();
                        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        ok = true;
                        return summary;
                    }
                }
            }
            throw new IOException("device stream ended without a summary: output discarded");
        } finally {
            if (!ok) {
                Files.deleteIfExists(tmp);
            }
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
        return RpcJson.mapper().readValue(r.body(), type);
    }

    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    private static DeviceClientException failure(int status, byte[] body) {
        try {
            ErrorResponse e = RpcJson.mapper().readValue(body, ErrorResponse.class);
            return new DeviceClientException(status, e.code(), e.warnings());
        } catch (IOException notJson) {
            return new DeviceClientException(status, "failed", List.of());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
