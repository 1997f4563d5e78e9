package org.otpi.appliance.pad;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.otpi.appliance.crypto.OneTimeMac;
import org.otpi.protocol.format.V2Header;

/**
 * Seals and opens OTPi v2 packages (layout in {@link V2Header}): {@code header || p_text XOR m' ||
 * Poly1305(p_key, header || ciphertext)} with a one-time key of 32 fresh pad bytes, read before
 * p_text. Both in-memory and streamed (files) forms. Streamed opening is two passes over a
 * re-readable input so that no plaintext is written before the tag has been checked.
 * Stateless and thread-safe; the caller owns cursors and destruction.
 */
public final class Otp2Codec {
    private static final int BLOCK = 64 * 1024;

    private Otp2Codec() {
    }

    private static final java.security.SecureRandom FILL = new java.security.SecureRandom();

    /**
     * The body m' for a message: m itself, or length || m || random fill when padding is on. The
     * fill is random, not zeros, so the ciphertext over it does not show the pad bytes it used.
     */
    public static byte[] frame(byte[] m, boolean pad) {
        if (!pad) {
            return m.clone();
        }
        byte[] framed = new byte[(int) V2Header.paddedLength(m.length)];
        FILL.nextBytes(framed);
        ByteBuffer.wrap(framed).putInt(m.length).put(m);
        return framed;
    }

    /** Seals an already framed body {@code body} ({@code h.length()} bytes). */
    public static byte[] seal(PadFile pad, Direction d, V2Header h, byte[] body) throws IOException {
        if (body.length != h.length()) {
            throw new IllegalArgumentException("length mismatch");
        }
        byte[] header = h.toBytes();
        byte[] out = new byte[V2Header.LENGTH + body.length + V2Header.TAG_LENGTH];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(body, 0, out, V2Header.LENGTH, body.length);
        try (PadStream s = pad.stream(d, h.index(), h.padCost())) {
            OneTimeMac mac = oneTimeMac(s);
            s.xorInto(out, V2Header.LENGTH, body.length);
            mac.update(out, 0, V2Header.LENGTH + body.length);
            mac.doFinal(out, V2Header.LENGTH + body.length);
        }
        return out;
    }

    /**
     * Opens a whole v2 package whose header {@code h} was parsed from it. Returns the message (the
     * padding frame removed); throws if the tag does not match or the frame is malformed.
     */
    public static byte[] open(PadFile pad, Direction d, V2Header h, byte[] pkg) throws IOException, TagMismatchException {
        int n = (int) h.length();
        if (pkg.length != V2Header.LENGTH + n + V2Header.TAG_LENGTH) {
            throw new TagMismatchException();
        }
        byte[] body = Arrays.copyOfRange(pkg, V2Header.LENGTH, V2Header.LENGTH + n);
        try (PadStream s = pad.stream(d, h.index(), h.padCost())) {
            OneTimeMac mac = oneTimeMac(s);
            mac.update(pkg, 0, V2Header.LENGTH + n);
            byte[] expected = new byte[V2Header.TAG_LENGTH];
            mac.doFinal(expected, 0);
            if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(pkg, V2Header.LENGTH + n, pkg.length))) {
                throw new TagMismatchException();
            }
            s.xorInto(body, 0, n);
            if (!h.padded()) {
                return body;
            }
            int len = ByteBuffer.wrap(body).getInt();
            if (n < 4 || len < 0 || len > n - 4) {
                throw new TagMismatchException();
            }
            byte[] m = Arrays.copyOfRange(body, 4, 4 + len);
            Arrays.fill(body, (byte) 0);
            return m;
        }
    }

    /** Seals {@code h.length()} bytes from {@code in} to {@code out} as one v2 package. */
    public static void sealStream(PadFile pad, Direction d, V2Header h, InputStream in, OutputStream out)
            throws IOException {
        byte[] header = h.toBytes();
        out.write(header);
        byte[] buf = new byte[BLOCK];
        try (PadStream s = pad.stream(d, h.index(), h.padCost())) {
            OneTimeMac mac = oneTimeMac(s);
            mac.update(header, 0, header.length);
            long left = h.length();
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                if (in.readNBytes(buf, 0, n) != n) {
                    throw new IOException("input ended before its announced length");
                }
                s.xorInto(buf, 0, n);
                mac.update(buf, 0, n);
                out.write(buf, 0, n);
                left -= n;
            }
            byte[] tag = new byte[V2Header.TAG_LENGTH];
            mac.doFinal(tag, 0);
            out.write(tag);
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }

    /**
     * Checks the tag of a streamed package (pass 1 of a streamed open). {@code in} is positioned
     * after the header. Returns normally only if the package is authentic.
     */
    public static void verifyStream(PadFile pad, Direction d, V2Header h, InputStream in)
            throws IOException, TagMismatchException {
        byte[] buf = new byte[BLOCK];
        try (PadStream s = pad.stream(d, h.index(), V2Header.KEY_LENGTH)) {
            OneTimeMac mac = oneTimeMac(s);
            mac.update(h.toBytes(), 0, V2Header.LENGTH);
            long left = h.length();
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                if (in.readNBytes(buf, 0, n) != n) {
                    throw new TagMismatchException();
                }
                mac.update(buf, 0, n);
                left -= n;
            }
            byte[] expected = new byte[V2Header.TAG_LENGTH];
            mac.doFinal(expected, 0);
            byte[] tag = in.readNBytes(V2Header.TAG_LENGTH);
            if (!MessageDigest.isEqual(expected, tag) || in.read() != -1) {
                throw new TagMismatchException();
            }
        }
    }

    /** Decrypts a verified streamed package (pass 2). {@code in} is positioned after the header. */
    public static void decryptStream(PadFile pad, Direction d, V2Header h, InputStream in, OutputStream out)
            throws IOException {
        byte[] buf = new byte[BLOCK];
        long keyEnd = d == Direction.FORWARD ? h.index() + V2Header.KEY_LENGTH : h.index() - V2Header.KEY_LENGTH;
        try (PadStream s = pad.stream(d, keyEnd, h.length())) {
            long left = h.length();
            while (left > 0) {
                int n = (int) Math.min(buf.length, left);
                if (in.readNBytes(buf, 0, n) != n) {
                    throw new IOException("package changed between verification and decryption");
                }
                s.xorInto(buf, 0, n);
                out.write(buf, 0, n);
                left -= n;
            }
        } finally {
            Arrays.fill(buf, (byte) 0);
        }
    }

    private static OneTimeMac oneTimeMac(PadStream s) throws IOException {
        byte[] key = new byte[V2Header.KEY_LENGTH];
        try {
            s.readInto(key, 0, key.length);
            return OneTimeMac.keyed(key);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
