package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JDK's {@code ChaCha20-Poly1305} cipher for RFC 8439 (fast on JDK 21+ with intrinsics, about
 * 150 MB/s a core on JDK 17), and Bouncy Castle's XChaCha20-Poly1305 for 24-byte nonces (the JDK
 * has none). Limit, plainly: the JDK keeps its own copy of the key in a {@link SecretKeySpec},
 * which cannot be wiped; the JVM may copy secrets anyway.
 */
final class JdkChaChaEngine implements ChaChaEngine {
    private final ThreadLocal<Cipher> sealer = ThreadLocal.withInitial(JdkChaChaEngine::newCipher);
    private final ThreadLocal<Cipher> opener = ThreadLocal.withInitial(JdkChaChaEngine::newCipher);
    private final BcChaChaEngine xchacha = new BcChaChaEngine();

    @Override
    public String name() {
        return "jdk";
    }

    @Override
    public Key key(byte[] raw) {
        return new JdkKey(raw, xchacha.key(raw));
    }

    @Override
    public void seal(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        JdkKey k = (JdkKey) key;
        if (ChaChaEngine.extended(nonce)) {
            xchacha.seal(k.bc, nonce, aad, in, out);
            return;
        }
        int inPos = in.position();
        int outPos = out.position();
        for (int attempt = 0; ; attempt++) {
            try {
                Cipher c = sealer.get();
                c.init(Cipher.ENCRYPT_MODE, k.spec(), new IvParameterSpec(nonce));
                if (aad != null) {
                    c.updateAAD(bytes(aad)); // JDK 17's updateAAD(ByteBuffer) misreads offset buffers
                }
                c.doFinal(in, out);
                return;
            } catch (InvalidKeyException e) {
                // The JDK refuses the (key, nonce) of this cipher object's previous seal. That check
                // is not what keeps OTPi's nonces unique (its callers are), and the other engines
                // have none: behave like them with a fresh cipher (only a self-test reseals).
                sealer.remove();
                in.position(inPos);
                out.position(outPos);
                if (attempt > 0) {
                    throw new IllegalStateException("ChaCha20-Poly1305 seal refused", e);
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ChaCha20-Poly1305 unavailable", e);
            }
        }
    }

    @Override
    public boolean open(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        JdkKey k = (JdkKey) key;
        if (ChaChaEngine.extended(nonce)) {
            return xchacha.open(k.bc, nonce, aad, in, out);
        }
        if (in.remaining() < TAG_LENGTH) {
            return false;
        }
        int inPos = in.position();
        int outPos = out.position();
        for (int attempt = 0; ; attempt++) {
            try {
                Cipher c = opener.get();
                c.init(Cipher.DECRYPT_MODE, k.spec(), new IvParameterSpec(nonce));
                if (aad != null) {
                    c.updateAAD(bytes(aad)); // JDK 17's updateAAD(ByteBuffer) misreads offset buffers
                }
                c.doFinal(in, out);
                return true;
            } catch (AEADBadTagException e) {
                in.position(inPos);
                out.position(outPos);
                return false;
            } catch (InvalidKeyException e) {
                // The JDK refuses a (key, nonce) equal to this cipher object's previous one, even
                // to decrypt; opening the same package twice is legitimate: use a fresh cipher.
                opener.remove();
                in.position(inPos);
                out.position(outPos);
                if (attempt > 0) {
                    return false;
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("ChaCha20-Poly1305 unavailable", e);
            }
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    private static Cipher newCipher() {
        try {
            return Cipher.getInstance("ChaCha20-Poly1305");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no ChaCha20-Poly1305", e);
        }
    }

    private static final class JdkKey implements Key {
        private final byte[] raw;
        private final Key bc;
        private volatile SecretKeySpec spec;

        JdkKey(byte[] raw, Key bc) {
            if (raw.length != KEY_LENGTH) {
                throw new IllegalArgumentException("a key has 32 bytes");
            }
            this.raw = raw.clone();
            this.bc = bc;
            this.spec = new SecretKeySpec(this.raw, "ChaCha20");
        }

        SecretKeySpec spec() {
            SecretKeySpec s = spec;
            if (s == null) {
                throw new IllegalStateException("key closed");
            }
            return s;
        }

        @Override
        public void close() {
            spec = null;
            Arrays.fill(raw, (byte) 0);
            bc.close();
        }

        @Override
        public String toString() {
            return "ChaChaEngine.Key[jdk, hidden]";
        }
    }
}
