package org.otpi.protocol.rpc;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Framing of streamed file responses ({@code /api/v1/file/*}). The HTTP body is a sequence of
 * frames, so the client can tell a complete result from a truncated one and gets the device's
 * summary (or error) after the data:
 *
 * <pre>
 *   +------+----------------+-----------------+
 *   | type | length (u32 BE)| payload         |
 *   +------+----------------+-----------------+
 *   type 'D' data   : payload = output bytes (at most MAX_PAYLOAD)
 *   type 'S' summary: payload = JSON {@link StreamSummary}; last frame of a success
 *   type 'X' error  : payload = JSON {@link ErrorResponse}; last frame of a failure
 * </pre>
 *
 * A body that ends without an 'S' frame is a failure; the client must then discard the data
 * frames it received (for opens: unauthenticated plaintext).
 */
public final class StreamFrames {
    public static final byte DATA = 'D';
    public static final byte SUMMARY = 'S';
    public static final byte ERROR = 'X';
    public static final int HEADER = 5;
    public static final int MAX_PAYLOAD = 64 * 1024;

    private StreamFrames() {
    }

    /** One decoded frame. */
    public record Frame(byte type, byte[] payload) {
    }

    /** Writes a frame header for {@code length} payload bytes into {@code dst[0..5)}. */
    public static void header(byte type, int length, byte[] dst) {
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("frame length");
        }
        dst[0] = type;
        dst[1] = (byte) (length >>> 24);
        dst[2] = (byte) (length >>> 16);
        dst[3] = (byte) (length >>> 8);
        dst[4] = (byte) length;
    }

    /** Reads the next frame, or null at a clean end of stream; rejects unknown types and oversize. */
    public static Frame read(InputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        if (type != DATA && type != SUMMARY && type != ERROR) {
            throw new IOException("bad frame type");
        }
        DataInputStream data = new DataInputStream(in);
        int length;
        try {
            length = data.readInt();
        } catch (EOFException e) {
            throw new IOException("truncated frame");
        }
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IOException("bad frame length");
        }
        byte[] payload = new byte[length];
        try {
            data.readFully(payload);
        } catch (EOFException e) {
            throw new IOException("truncated frame");
        }
        return new Frame((byte) type, payload);
    }
}
