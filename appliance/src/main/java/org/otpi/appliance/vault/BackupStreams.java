package org.otpi.appliance.vault;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.crypto.InsecureNonceChaCha20Poly1305;

/**
 * The encrypted backup container: a passphrase-sealed stream of frames.
 *
 * <pre>
 *   header = magic "OTPiBAK1" 8 | m KiB 4 | t 4 | p 4 | salt 16
 *   frame  = length 4 (BE, bit 31 set on the final frame) | ChaCha20-Poly1305 ciphertext+tag
 *   key    = Argon2id(passphrase, salt)                     a fresh salt per backup
 *   nonce  = 0 0 0 0 | frame number 8 (BE)
 *   aad    = header | frame number 8 | length field 4
 * </pre>
 * Frames cannot be reordered, dropped or truncated without detection (the final flag is
 * authenticated). A wrong passphrase fails on the first frame.
 */
final class BackupStreams {
    static final byte[] MAGIC = "OTPiBAK1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int HEADER = 8 + 12 + 16;
    private static final int FRAME = 64 * 1024;
    private static final int FINAL = 0x8000_0000;

    private BackupStreams() {
    }

    /** A stream that seals everything written to it; {@link OutputStream#close()} writes the final frame. */
    static OutputStream sealing(OutputStream out, char[] passphrase, Argon2id kdf) throws IOException {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        byte[] header = ByteBuffer.allocate(HEADER).put(MAGIC).putInt(kdf.memoryKiB()).putInt(kdf.iterations())
                .putInt(kdf.parallelism()).put(salt).array();
        byte[] key = kdf.derive(passphrase, salt, null, 32);
        InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(key);
        Arrays.fill(key, (byte) 0);
        out.write(header);
        return new OutputStream() {
            private final byte[] buf = new byte[FRAME];
            private int n;
            private long frame;
            private boolean closed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                while (len > 0) {
                    if (n == buf.length) {
                        flushFrame(false);
                    }
                    int k = Math.min(len, buf.length - n);
                    System.arraycopy(b, off, buf, n, k);
                    n += k;
                    off += k;
                    len -= k;
                }
            }

            private void flushFrame(boolean last) throws IOException {
                int lengthField = n | (last ? FINAL : 0);
                byte[] sealed = aead.seal(nonce(frame), buf, 0, n, aad(header, frame, lengthField));
                out.write(ByteBuffer.allocate(4).putInt(lengthField).array());
                out.write(sealed);
                Arrays.fill(buf, (byte) 0);
                n = 0;
                frame++;
            }

            @Override
            public void close() throws IOException {
                if (!closed) {
                    closed = true;
                    flushFrame(true);
                    aead.close();
                    out.close();
                }
            }
        };
    }

    /** A stream that opens a sealed backup; throws on a wrong passphrase, tampering or truncation. */
    static InputStream opening(InputStream raw, char[] passphrase) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] header = new byte[HEADER];
        try {
            in.readFully(header);
        } catch (EOFException e) {
            throw new IOException("not an OTPi backup (too short)");
        }
        if (!Arrays.equals(Arrays.copyOf(header, 8), MAGIC)) {
            throw new IOException("not an OTPi backup");
        }
        ByteBuffer h = ByteBuffer.wrap(header, 8, 12);
        Argon2id kdf;
        try {
            kdf = new Argon2id(h.getInt(), h.getInt(), h.getInt());
        } catch (IllegalArgumentException e) {
            throw new IOException("backup has bad KDF parameters");
        }
        if (kdf.memoryKiB() > 1024 * 1024 || kdf.iterations() > 64) {
            throw new IOException("backup KDF parameters out of range");
        }
        byte[] key = kdf.derive(passphrase, Arrays.copyOfRange(header, 20, 36), null, 32);
        InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(key);
        Arrays.fill(key, (byte) 0);
        return new org.otpi.appliance.crypto.WipingBlockInputStream() {
            private long frame;
            private boolean done;

            @Override
            protected byte[] nextBlock() throws IOException {
                if (done) {
                    return null;
                }
                int lengthField;
                try {
                    lengthField = in.readInt();
                } catch (EOFException e) {
                    throw new IOException("backup truncated");
                }
                int n = lengthField & ~FINAL;
                if (n > FRAME) {
                    throw new IOException("backup damaged (bad frame length)");
                }
                byte[] sealed = new byte[n + 16];
                try {
                    in.readFully(sealed);
                } catch (EOFException e) {
                    throw new IOException("backup truncated");
                }
                byte[] block;
                try {
                    block = aead.open(nonce(frame), sealed, 0, sealed.length, aad(header, frame, lengthField));
                } catch (AEADBadTagException e) {
                    throw new IOException(frame == 0 ? "wrong passphrase or damaged backup" : "backup damaged or tampered");
                }
                frame++;
                if ((lengthField & FINAL) != 0) {
                    done = true;
                    if (in.read() != -1) {
                        throw new IOException("backup has data after its end");
                    }
                }
                return block;
            }

            @Override
            public void close() throws IOException {
                super.close();
                aead.close();
                in.close();
            }
        };
    }

    private static byte[] nonce(long frame) {
        return ByteBuffer.allocate(12).putInt(0).putLong(frame).array();
    }

    private static byte[] aad(byte[] header, long frame, int lengthField) {
        return ByteBuffer.allocate(HEADER + 12).put(header).putLong(frame).putInt(lengthField).array();
    }

    static byte[] readAllBounded(InputStream in, int max) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = in.readNBytes(max + 1);
        if (buf.length > max) {
            throw new IOException("backup manifest too large");
        }
        b.write(buf);
        return b.toByteArray();
    }
}
