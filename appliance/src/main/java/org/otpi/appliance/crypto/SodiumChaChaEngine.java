package org.otpi.appliance.crypto;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * libsodium's {@code crypto_aead_chacha20poly1305_ietf_*} and
 * {@code crypto_aead_xchacha20poly1305_ietf_*} through JNA direct mapping (Debian
 * {@code libsodium23}, amd64 and arm64): native speed on JDK 17 and on the Pi's JDK 21, neither of
 * which has a fast ChaCha20-Poly1305 of its own. Keys live in native memory locked with
 * {@code sodium_mlock} where allowed and are wiped with {@code sodium_munlock} on close.
 *
 * <p>Buffers are passed as slices, so JNA hands libsodium the address of each buffer's position
 * (direct buffers without a copy; heap buffers pinned or copied by JNA).
 */
final class SodiumChaChaEngine implements ChaChaEngine {
    private static final String VERSION;
    private static final Throwable FAILURE;

    static {
        String version = null;
        Throwable failure = null;
        try {
            Native.register(Sodium.class, NativeLibrary.getInstance("sodium"));
            if (Sodium.sodium_init() < 0) {
                throw new IllegalStateException("sodium_init failed");
            }
            version = Sodium.sodium_version_string();
        } catch (Throwable t) {
            failure = t;
        }
        VERSION = version;
        FAILURE = failure;
    }

    /** Why libsodium cannot be used here, or null if it can. */
    static Throwable unavailable() {
        return FAILURE;
    }

    @Override
    public String name() {
        return "libsodium " + VERSION;
    }

    @Override
    public Key key(byte[] raw) {
        if (raw.length != KEY_LENGTH) {
            throw new IllegalArgumentException("a key has 32 bytes");
        }
        return new SodiumKey(raw);
    }

    @Override
    public void seal(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        int len = in.remaining();
        if (out.remaining() < len + TAG_LENGTH) {
            throw new java.nio.BufferOverflowException();
        }
        Pointer k = ((SodiumKey) key).pointer();
        boolean x = ChaChaEngine.extended(nonce);
        ByteBuffer a = aad == null ? null : aad.slice();
        long alen = aad == null ? 0 : aad.remaining();
        int rc;
        if (in.isDirect() && out.isDirect() && (aad == null || aad.isDirect())) {
            long kp = Pointer.nativeValue(k);
            long np = nonceAddress(nonce);
            long ap = aad == null ? 0 : address(aad);
            rc = x ? SodiumRaw.crypto_aead_xchacha20poly1305_ietf_encrypt(address(out), 0, address(in), len, ap, alen, 0, np, kp)
                    : SodiumRaw.crypto_aead_chacha20poly1305_ietf_encrypt(address(out), 0, address(in), len, ap, alen, 0, np, kp);
        } else if (in.isDirect() && out.isDirect()) {
            rc = x ? Sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(out.slice(), null, in.slice(), len, a, alen, null, nonce, k)
                    : Sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out.slice(), null, in.slice(), len, a, alen, null, nonce, k);
        } else {
            // Heap buffers go through native scratch memory: JNA copies each array argument back
            // after the call, which would write the plaintext over an in-place ciphertext.
            ByteBuffer s = scratch(len + TAG_LENGTH);
            s.put(in.duplicate()).flip();
            ByteBuffer sIn = s.duplicate();
            rc = x ? Sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(s, null, sIn, len, a, alen, null, nonce, k)
                    : Sodium.crypto_aead_chacha20poly1305_ietf_encrypt(s, null, sIn, len, a, alen, null, nonce, k);
            if (rc == 0) {
                out.duplicate().put(s.clear().limit(len + TAG_LENGTH));
            }
            wipe(s, len + TAG_LENGTH);
        }
        // raw addresses were passed above: keep the buffers (and their memory) alive until here
        java.lang.ref.Reference.reachabilityFence(in);
        java.lang.ref.Reference.reachabilityFence(out);
        java.lang.ref.Reference.reachabilityFence(aad);
        java.lang.ref.Reference.reachabilityFence(key);
        if (rc != 0) {
            throw new IllegalStateException("libsodium refused to seal");
        }
        in.position(in.position() + len);
        out.position(out.position() + len + TAG_LENGTH);
    }

    @Override
    public boolean open(Key key, byte[] nonce, ByteBuffer aad, ByteBuffer in, ByteBuffer out) {
        int len = in.remaining();
        if (len < TAG_LENGTH) {
            return false;
        }
        if (out.remaining() < len - TAG_LENGTH) {
            throw new java.nio.BufferOverflowException();
        }
        Pointer k = ((SodiumKey) key).pointer();
        boolean x = ChaChaEngine.extended(nonce);
        ByteBuffer a = aad == null ? null : aad.slice();
        long alen = aad == null ? 0 : aad.remaining();
        int rc;
        if (in.isDirect() && out.isDirect() && (aad == null || aad.isDirect())) {
            long kp = Pointer.nativeValue(k);
            long np = nonceAddress(nonce);
            long ap = aad == null ? 0 : address(aad);
            rc = x ? SodiumRaw.crypto_aead_xchacha20poly1305_ietf_decrypt(address(out), 0, 0, address(in), len, ap, alen, np, kp)
                    : SodiumRaw.crypto_aead_chacha20poly1305_ietf_decrypt(address(out), 0, 0, address(in), len, ap, alen, np, kp);
        } else if (in.isDirect() && out.isDirect()) {
            rc = x ? Sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(out.slice(), null, null, in.slice(), len, a, alen, nonce, k)
                    : Sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out.slice(), null, null, in.slice(), len, a, alen, nonce, k);
        } else {
            ByteBuffer s = scratch(len);
            s.put(in.duplicate()).flip();
            ByteBuffer sIn = s.duplicate();
            rc = x ? Sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(s, null, null, sIn, len, a, alen, nonce, k)
                    : Sodium.crypto_aead_chacha20poly1305_ietf_decrypt(s, null, null, sIn, len, a, alen, nonce, k);
            if (rc == 0) {
                out.duplicate().put(s.clear().limit(len - TAG_LENGTH));
            }
            wipe(s, len);
        }
        java.lang.ref.Reference.reachabilityFence(in);
        java.lang.ref.Reference.reachabilityFence(out);
        java.lang.ref.Reference.reachabilityFence(aad);
        java.lang.ref.Reference.reachabilityFence(key);
        if (rc != 0) {
            return false;
        }
        in.position(in.position() + len);
        out.position(out.position() + len - TAG_LENGTH);
        return true;
    }

    private final ThreadLocal<ByteBuffer> scratch = new ThreadLocal<>();
    private final ThreadLocal<Memory> nonceScratch = ThreadLocal.withInitial(() -> new Memory(XNONCE_LENGTH));

    /** The address of a direct buffer's position. */
    private static long address(ByteBuffer b) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(b)) + b.position();
    }

    /** This thread's native copy of the nonce (public data). */
    private long nonceAddress(byte[] nonce) {
        Memory m = nonceScratch.get();
        m.write(0, nonce, 0, nonce.length);
        return Pointer.nativeValue(m);
    }

    /** This thread's native scratch buffer, at least {@code n} bytes, cleared. */
    private ByteBuffer scratch(int n) {
        ByteBuffer s = scratch.get();
        if (s == null || s.capacity() < n) {
            s = ByteBuffer.allocateDirect(Math.max(n, 64 * 1024));
            scratch.set(s);
        }
        return s.clear();
    }

    private static void wipe(ByteBuffer s, int n) {
        Sodium.sodium_memzero(Native.getDirectBufferPointer(s), n);
    }

    private static final class SodiumKey implements Key {
        private volatile Memory mem;
        private final boolean locked;

        SodiumKey(byte[] raw) {
            Memory m = new Memory(KEY_LENGTH);
            locked = Sodium.sodium_mlock(m, KEY_LENGTH) == 0;
            m.write(0, raw, 0, KEY_LENGTH);
            mem = m;
        }

        Pointer pointer() {
            Memory m = mem;
            if (m == null) {
                throw new IllegalStateException("key closed");
            }
            return m;
        }

        @Override
        public synchronized void close() {
            Memory m = mem;
            mem = null;
            if (m != null) {
                if (locked) {
                    Sodium.sodium_munlock(m, KEY_LENGTH); // wipes, then unlocks
                } else {
                    Sodium.sodium_memzero(m, KEY_LENGTH);
                }
            }
        }

        @Override
        public String toString() {
            return "ChaChaEngine.Key[libsodium, hidden]";
        }
    }

    /**
     * The AEAD calls again with every argument a {@code long} (addresses; 64-bit platforms only,
     * as OTPi's are): JNA's fast path for primitive-only signatures, about a microsecond less per
     * call than buffer arguments, which matters for 1400-byte tunnel packets.
     */
    private static final class SodiumRaw {
        static {
            Native.register(SodiumRaw.class, NativeLibrary.getInstance("sodium"));
        }

        private SodiumRaw() {
        }

        static native int crypto_aead_chacha20poly1305_ietf_encrypt(long c, long clen, long m, long mlen, long ad,
                long adlen, long nsec, long npub, long k);

        static native int crypto_aead_chacha20poly1305_ietf_decrypt(long m, long mlen, long nsec, long c, long clen,
                long ad, long adlen, long npub, long k);

        static native int crypto_aead_xchacha20poly1305_ietf_encrypt(long c, long clen, long m, long mlen, long ad,
                long adlen, long nsec, long npub, long k);

        static native int crypto_aead_xchacha20poly1305_ietf_decrypt(long m, long mlen, long nsec, long c, long clen,
                long ad, long adlen, long npub, long k);
    }

    /** The few libsodium functions OTPi calls (sodium.h, aead_*chacha20poly1305.h). */
    private static final class Sodium {
        private Sodium() {
        }

        static native int sodium_init();

        static native String sodium_version_string();

        static native int sodium_mlock(Pointer addr, long len);

        static native int sodium_munlock(Pointer addr, long len);

        static native void sodium_memzero(Pointer addr, long len);

        static native int crypto_aead_chacha20poly1305_ietf_encrypt(ByteBuffer c, Pointer clen, ByteBuffer m,
                long mlen, ByteBuffer ad, long adlen, Pointer nsec, byte[] npub, Pointer k);

        static native int crypto_aead_chacha20poly1305_ietf_decrypt(ByteBuffer m, Pointer mlen, Pointer nsec,
                ByteBuffer c, long clen, ByteBuffer ad, long adlen, byte[] npub, Pointer k);

        static native int crypto_aead_xchacha20poly1305_ietf_encrypt(ByteBuffer c, Pointer clen, ByteBuffer m,
                long mlen, ByteBuffer ad, long adlen, Pointer nsec, byte[] npub, Pointer k);

        static native int crypto_aead_xchacha20poly1305_ietf_decrypt(ByteBuffer m, Pointer mlen, Pointer nsec,
                ByteBuffer c, long clen, ByteBuffer ad, long adlen, byte[] npub, Pointer k);
    }
}
