package org.otpi.protocol.kiosk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Newline-delimited JSON framing for the kiosk socket: one {@link KioskMessage} per line,
 * UTF-8, at most {@link #MAX_LINE} bytes. Parsing is strict: unknown types, unknown or missing
 * properties, nulls for numbers and trailing tokens are errors.
 *
 * <p>Works on channels directly (not {@code Channels.newInputStream}, whose blocking read holds
 * the channel's lock and would stall concurrent writes).
 */
public final class KioskCodec {
    /** Longest accepted line in bytes, newline excluded. */
    public static final int MAX_LINE = 64 * 1024;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_INVALID_SUBTYPE)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    private KioskCodec() {
    }

    /** One line of JSON, without the newline. */
    public static String encode(KioskMessage message) {
        try {
            return MAPPER.writerFor(KioskMessage.class).writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /** Parses one line; throws {@link IOException} on anything malformed. */
    public static KioskMessage decode(String line) throws IOException {
        if (line.length() > MAX_LINE) {
            throw new IOException("line too long");
        }
        return MAPPER.readValue(line, KioskMessage.class);
    }

    /** Writes one message and its newline. Callers serialize writes to one channel. */
    public static void write(WritableByteChannel channel, KioskMessage message) throws IOException {
        byte[] json = encode(message).getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** Reads newline-terminated lines from a blocking channel, refusing lines over MAX_LINE. */
    public static final class LineReader {
        private final ReadableByteChannel channel;
        private final ByteBuffer in = ByteBuffer.allocate(8192);
        private byte[] line = new byte[1024];
        private int length;

        public LineReader(ReadableByteChannel channel) {
            this.channel = channel;
            in.flip();
        }

        /** The next line, or null at a clean end of stream. */
        public String readLine() throws IOException {
            while (true) {
                while (in.hasRemaining()) {
                    byte b = in.get();
                    if (b == '\n') {
                        String s = new String(line, 0, length, StandardCharsets.UTF_8);
                        Arrays.fill(line, 0, length, (byte) 0); // lines may carry a PIN
                        length = 0;
                        return s;
                    }
                    if (length == MAX_LINE) {
                        throw new IOException("line too long");
                    }
                    if (length == line.length) {
                        line = Arrays.copyOf(line, Math.min(MAX_LINE, line.length * 2));
                    }
                    line[length++] = b;
                }
                in.clear();
                int n = channel.read(in);
                in.flip();
                if (n < 0) {
                    if (length == 0) {
                        return null;
                    }
                    throw new EOFException("end of stream inside a line");
                }
            }
        }
    }
}
