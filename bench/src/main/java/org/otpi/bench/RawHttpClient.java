package org.otpi.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 keep-alive client on one socket, for the benchmark only: it lets
 * the bench measure the relay without the JDK HttpClient's own CPU cost. Not thread-safe.
 */
final class RawHttpClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String token;

    RawHttpClient(InetSocketAddress relay, String token) throws IOException {
        this.socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(relay, 10_000);
        socket.setSoTimeout(60_000);
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        this.token = token;
    }

    /** Status and body of one request. */
    record Reply(int status, byte[] body) {
    }

    Reply call(String method, String path, String jsonBody) throws IOException {
        byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(256);
        h.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer ")
                .append(token).append("\r\nContent-Length: ").append(body.length).append("\r\n");
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
        String l;
        while (!(l = line()).isEmpty()) {
            int colon = l.indexOf(':');
            if (colon > 0 && l.regionMatches(true, 0, "content-length", 0, colon)) {
                length = Integer.parseInt(l.substring(colon + 1).trim());
            }
        }
        return new Reply(code, in.readNBytes(length));
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

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
