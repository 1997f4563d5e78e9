package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.crypto.InsecureNonceChaCha20Poly1305;

/**
 * Readers for the first on-medium formats (until December 2026), whose nonces were counters kept
 * on the medium itself: an old copy of the medium could make them repeat. They are only read, once,
 * by {@link VaultMigration}, which rewrites everything in the current formats; nothing is ever
 * written in them again.
 *
 * <pre>
 *   journal v1  "OTPiJRN1" | salt 16 | (length 4 | ChaCha20-Poly1305(HKDF(key, salt, "otpi journal v1"),
 *               nonce = 0^4 | record number 8, aad = magic | salt | record number 8 | length 4))*
 *   pad file v1 slot i at i * (chunk + 28) = nonce (chunk index 4 | write counter 8) | ct | tag 16,
 *               key = HKDF(vault key, file salt, "otpi pad v1"), aad = "otpi-pad" | file id | i 8 | len 4
 * </pre>
 */
final class LegacyFormats {
    static final byte[] JOURNAL_V1_MAGIC = "OTPiJRN1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int V1_SLOT_OVERHEAD = 12 + 16;

    private LegacyFormats() {
    }

    /** Every intact record of a v1 journal, in order (a torn tail is ignored). */
    static List<byte[]> readJournalV1(Path path, byte[] vaultKey) throws IOException {
        List<byte[]> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(24);
            Journal.readFully(ch, head, 0);
            if (head.hasRemaining() || !Arrays.equals(Arrays.copyOf(head.array(), 8), JOURNAL_V1_MAGIC)) {
                throw new IOException("v1 journal header damaged");
            }
            byte[] salt = Arrays.copyOfRange(head.array(), 8, 24);
            byte[] key = Hkdf.derive(vaultKey, salt, "otpi journal v1", 32);
            try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(key)) {
                long pos = 24;
                long size = ch.size();
                for (long n = 0; pos + 4 <= size; n++) {
                    ByteBuffer len = ByteBuffer.allocate(4);
                    Journal.readFully(ch, len, pos);
                    int l = len.flip().getInt();
                    if (l < 0 || l > Journal.MAX_RECORD || pos + 4 + l + 16 > size) {
                        break;
                    }
                    ByteBuffer sealed = ByteBuffer.allocate(l + 16);
                    Journal.readFully(ch, sealed, pos + 4);
                    byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(n).array();
                    byte[] aad = ByteBuffer.allocate(36).put(JOURNAL_V1_MAGIC).put(salt).putLong(n).putInt(l).array();
                    try {
                        out.add(aead.open(nonce, sealed.array(), 0, sealed.capacity(), aad));
                    } catch (AEADBadTagException e) {
                        break;
                    }
                    pos += 4 + l + 16;
                }
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        }
        return out;
    }

    /** Reads a v1 pad file chunk by chunk; destroyed chunks (zero nonce) read as zeros. */
    static final class PadFileV1 implements AutoCloseable {
        private final FileChannel ch;
        private final byte[] fileId;
        private final InsecureNonceChaCha20Poly1305 aead;
        private final long size;
        private final int chunk;

        PadFileV1(Path path, byte[] fileId, byte[] vaultKey, byte[] fileSalt, long size, int chunk) throws IOException {
            this.ch = FileChannel.open(path, StandardOpenOption.READ);
            this.fileId = fileId;
            byte[] key = Hkdf.derive(vaultKey, fileSalt, "otpi pad v1", 32);
            this.aead = new InsecureNonceChaCha20Poly1305(key);
            Arrays.fill(key, (byte) 0);
            this.size = size;
            this.chunk = chunk;
        }

        long chunks() {
            return (size + chunk - 1) / chunk;
        }

        /** Plaintext of chunk {@code i} (the caller zeroes it). */
        byte[] read(long i) throws IOException {
            int len = (int) Math.min(chunk, size - i * chunk);
            ByteBuffer slot = ByteBuffer.allocate(len + V1_SLOT_OVERHEAD);
            Journal.readFully(ch, slot, i * (long) (chunk + V1_SLOT_OVERHEAD));
            if (slot.hasRemaining()) {
                throw new IOException("v1 pad file truncated");
            }
            byte[] s = slot.array();
            boolean zero = true;
            for (int k = 0; k < 12 && zero; k++) {
                zero = s[k] == 0;
            }
            if (zero) {
                return new byte[len];
            }
            byte[] aad = ByteBuffer.allocate(8 + 16 + 8 + 4).put("otpi-pad".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .put(fileId).putLong(i).putInt(len).array();
            try {
                return aead.open(Arrays.copyOf(s, 12), s, 12, s.length - 12, aad);
            } catch (AEADBadTagException e) {
                throw new IOException("v1 pad chunk " + i + " failed authentication");
            }
        }

        @Override
        public void close() throws IOException {
            aead.close();
            ch.close();
        }
    }
}
