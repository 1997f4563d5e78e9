package org.otpi.appliance.crypto;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Poly1305 as a one-time authenticator (RFC 8439 section 2.5, no cipher): the OTPi v2 tag, keyed
 * with 32 fresh pad bytes, so its integrity needs no computational assumption. Incremental, for
 * files. From libsodium ({@code crypto_onetimeauth_poly1305_*}) where it is installed, else Bouncy
 * Castle; both checked against RFC 8439 section 2.5.2 when first used, and against each other in
 * tests.
 *
 * <p>Not thread-safe: one instance per message. {@link #close()} wipes the key state.
 */
public abstract class OneTimeMac implements AutoCloseable {
    public static final int KEY_LENGTH = 32;
    public static final int TAG_LENGTH = 16;

    private static volatile Boolean sodiumOk;

    /** A MAC keyed with {@code key} (32 bytes, used once), on the best engine here. */
    public static OneTimeMac keyed(byte[] key) {
        Boolean ok = sodiumOk;
        if (ok == null) {
            ok = Sodium.FAILURE == null && selfTest(new SodiumMac(kat(KAT_KEY)), true);
            sodiumOk = ok;
        }
        return ok ? new SodiumMac(key) : new BcMac(key);
    }

    /** A named engine ("sodium" or "bouncycastle"), for tests and benchmarks; null if unusable here. */
    public static OneTimeMac keyed(String engine, byte[] key) {
        if (engine.equals("sodium")) {
            return Sodium.FAILURE == null ? new SodiumMac(key) : null;
        }
        return new BcMac(key);
    }

    public abstract void update(byte[] b, int off, int len);

    /** Writes the 16-byte tag at {@code out[off]}; the MAC cannot be used afterwards. */
    public abstract void doFinal(byte[] out, int off);

    @Override
    public abstract void close();

    // RFC 8439 section 2.5.2
    static final String KAT_KEY = "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b";
    static final String KAT_MSG = "Cryptographic Forum Research Group";
    static final String KAT_TAG = "a8061dc1305136c6c22b8baf0c0127a9";

    static byte[] kat(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    private static boolean selfTest(OneTimeMac m, boolean close) {
        try {
            byte[] msg = KAT_MSG.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            m.update(msg, 0, 5);
            m.update(msg, 5, msg.length - 5);
            byte[] tag = new byte[TAG_LENGTH];
            m.doFinal(tag, 0);
            return HexFormat.of().formatHex(tag).equals(KAT_TAG);
        } catch (RuntimeException | LinkageError e) {
            return false;
        } finally {
            if (close) {
                m.close();
            }
        }
    }

    private static final class BcMac extends OneTimeMac {
        private final Poly1305 mac = new Poly1305();

        BcMac(byte[] key) {
            mac.init(new KeyParameter(key));
        }

        @Override
        public void update(byte[] b, int off, int len) {
            mac.update(b, off, len);
        }

        @Override
        public void doFinal(byte[] out, int off) {
            mac.doFinal(out, off);
        }

        @Override
        public void close() {
            mac.reset(); // drops the buffered block; Bouncy Castle keeps r and s in int fields we cannot reach
        }
    }

    private static final class SodiumMac extends OneTimeMac {
        private Memory state;

        SodiumMac(byte[] key) {
            state = new Memory(Sodium.STATE_BYTES + 16);
            Pointer s = state.align(16);
            Memory k = new Memory(KEY_LENGTH);
            k.write(0, key, 0, KEY_LENGTH);
            Sodium.crypto_onetimeauth_poly1305_init(s, k);
            Sodium.sodium_memzero(k, KEY_LENGTH);
        }

        @Override
        public void update(byte[] b, int off, int len) {
            if (len > 0) {
                Sodium.crypto_onetimeauth_poly1305_update(state.align(16), ByteBuffer.wrap(b, off, len).slice(), len);
            }
        }

        @Override
        public void doFinal(byte[] out, int off) {
            Memory tag = new Memory(TAG_LENGTH);
            Sodium.crypto_onetimeauth_poly1305_final(state.align(16), tag);
            tag.read(0, out, off, TAG_LENGTH);
            close();
        }

        @Override
        public void close() {
            Memory s = state;
            state = null;
            if (s != null) {
                Sodium.sodium_memzero(s, Sodium.STATE_BYTES + 16);
            }
        }
    }

    /** libsodium's one-time authenticator (onetimeauth_poly1305.h). */
    private static final class Sodium {
        static final Throwable FAILURE;
        static final int STATE_BYTES;

        static {
            Throwable failure = null;
            int bytes = 0;
            try {
                Native.register(Sodium.class, NativeLibrary.getInstance("sodium"));
                if (sodium_init() < 0) {
                    throw new IllegalStateException("sodium_init failed");
                }
                bytes = (int) crypto_onetimeauth_poly1305_statebytes();
            } catch (Throwable t) {
                failure = t;
            }
            FAILURE = failure;
            STATE_BYTES = bytes;
        }

        private Sodium() {
        }

        static native int sodium_init();

        static native void sodium_memzero(Pointer p, long len);

        static native long crypto_onetimeauth_poly1305_statebytes();

        static native int crypto_onetimeauth_poly1305_init(Pointer state, Pointer key);

        static native int crypto_onetimeauth_poly1305_update(Pointer state, ByteBuffer in, long len);

        static native int crypto_onetimeauth_poly1305_final(Pointer state, Pointer out);
    }
}
