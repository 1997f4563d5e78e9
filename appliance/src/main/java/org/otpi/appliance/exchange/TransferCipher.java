package org.otpi.appliance.exchange;

import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The transfer package's AEAD: a key from Argon2id(code, salt), then ChaCha20-Poly1305
 * (RFC 8439, Bouncy Castle) over numbered chunks, STREAM-style:
 *
 * <pre>
 * nonce(i) = [ i : u64 big-endian ][ 0 0 0 ][ last ? 1 : 0 ]     (12 bytes)
 * chunk(i) = ChaCha20-Poly1305(key, nonce(i), aad = package header, plaintext(i))
 * </pre>
 * Each key is fresh (random salt per package), chunk numbers never repeat within a package,
 * so no (key, nonce) pair is used twice. The final flag makes truncation at a chunk boundary
 * fail, and numbering makes reordering fail. Not thread-safe; wipe when done.
 */
final class TransferCipher {
    static final int TAG = 16;
    private final byte[] key;
    private final ChaCha20Poly1305 aead = new ChaCha20Poly1305();

    private TransferCipher(byte[] key) {
        this.key = key;
    }

    static TransferCipher derive(TransferCode code, byte[] salt, Argon2Settings s) {
        Argon2Parameters p = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt)
                .withMemoryAsKB(s.memoryKiB())
                .withIterations(s.iterations())
                .withParallelism(s.parallelism())
                .build();
        Argon2BytesGenerator gen = new Argon2BytesGenerator();
        gen.init(p);
        byte[] key = new byte[32];
        gen.generateBytes(code.chars(), key);
        return new TransferCipher(key);
    }

    static byte[] nonce(long index, boolean last) {
        byte[] n = new byte[12];
        for (int i = 0; i < 8; i++) {
            n[i] = (byte) (index >>> (56 - 8 * i));
        }
        n[11] = (byte) (last ? 1 : 0);
        return n;
    }

    /** Returns ciphertext || tag. */
    byte[] seal(long index, boolean last, byte[] aad, byte[] plain, int off, int len) {
        aead.init(true, new AEADParameters(new KeyParameter(key), TAG * 8, nonce(index, last), aad));
        byte[] out = new byte[len + TAG];
        int n = aead.processBytes(plain, off, len, out, 0);
        try {
            aead.doFinal(out, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** Decrypts into {@code out}; returns false (and zeroes {@code out}) if the tag does not verify. */
    boolean open(long index, boolean last, byte[] aad, byte[] sealed, int len, byte[] out) {
        aead.init(false, new AEADParameters(new KeyParameter(key), TAG * 8, nonce(index, last), aad));
        int n = aead.processBytes(sealed, 0, len, out, 0);
        try {
            aead.doFinal(out, n);
            return true;
        } catch (InvalidCipherTextException e) {
            Arrays.fill(out, (byte) 0);
            return false;
        }
    }

    void wipe() {
        Arrays.fill(key, (byte) 0);
    }
}
