package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.AEADCipher;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.modes.XChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Bouncy Castle's lightweight {@code ChaCha20Poly1305} and {@code XChaCha20Poly1305}: pure Java,
 * the same speed on every JDK (about 150-200 MB/s a core here). The reference the other engines
 * are compared with in tests, and the XChaCha20 half of {@link JdkChaChaEngine}.
 */
final class BcChaChaEngine implements ChaChaEngine {
    @Override
    public String name() {
        return "bouncycastle";
    }

    @Override
    public Key key(byte[] raw) {
        if (raw.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a key has 32 bytes");
        }
        return new BcKey(new KeyParameter(raw));
    }

    @Override
    public void seal(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        AEADCipher c = init(true, key, nonce, aad);
        byte[] plain = take(in);
        byte[] sealed = new byte[plain.length + TAG_LENGTH];
        int n = c.processBytes(plain, 0, plain.length, sealed, 0);
        try {
            c.doFinal(sealed, n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("seal failed", e);
        }
        Arrays.fill(plain, (byte) 0);
        out.put(sealed);
    }

    @Override
    public boolean open(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        if (in.remaining() < TAG_LENGTH) {
            return false;
        }
        AEADCipher c = init(false, key, nonce, aad);
        int inPos = in.position();
        byte[] sealed = take(in);
        byte[] plain = new byte[sealed.length - TAG_LENGTH];
        try {
            int n = c.processBytes(sealed, 0, sealed.length, plain, 0);
            c.doFinal(plain, n);
        } catch (InvalidCipherTextException e) {
            Arrays.fill(plain, (byte) 0);
            in.position(inPos);
            return false;
        }
        out.put(plain);
        Arrays.fill(plain, (byte) 0);
        return true;
    }

    private AEADCipher init(boolean encrypt, Key key, byte[] nonce, ByteBuffer aad) {
        // A new cipher object per call: Bouncy Castle refuses to reseal with a cipher object's
        // previous (key, nonce), a check the other engines do not have (see JdkChaChaEngine).
        AEADCipher c = ChaChaEngine.extended(nonce) ? new XChaCha20Poly1305() : new ChaCha20Poly1305();
        c.init(encrypt, new AEADParameters(((BcKey) key).param(), 8 * TAG_LENGTH, nonce));
        if (aad != null) {
            byte[] a = take(aad.duplicate());
            c.processAADBytes(a, 0, a.length);
        }
        return c;
    }

    private static byte[] take(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        return a;
    }

    private static final class BcKey implements Key {
        private volatile KeyParameter param;

        BcKey(KeyParameter param) {
            this.param = param;
        }

        KeyParameter param() {
            KeyParameter p = param;
            if (p == null) {
                throw new IllegalStateException("key closed");
            }
            return p;
        }

        @Override
        public void close() {
            KeyParameter p = param;
            param = null;
            if (p != null) {
                Arrays.fill(p.getKey(), (byte) 0); // BC hands out its own array here
            }
        }

        @Override
        public String toString() {
            return "ChaChaEngine.Key[bouncycastle, hidden]";
        }
    }
}
