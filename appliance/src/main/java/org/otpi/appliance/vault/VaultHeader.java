package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.crypto.InsecureNonceChaCha20Poly1305;

/**
 * The vault header on the medium: KDF parameters and the wrapped vault key.
 *
 * <pre>
 *   magic "OTPiVLT1" 8 | m KiB 4 | t 4 | p 4 | salt 16 | vault id 16 | nonce 12 | wrapped key 32+16
 *   KEK   = Argon2id(PIN, salt, secret = device secret)
 *   wrap  = ChaCha20-Poly1305(KEK, nonce, aad = every byte before the nonce)
 * </pre>
 *
 * A fresh random salt is drawn for every wrap, so each KEK seals exactly one key with one
 * (random) nonce. Destroying the wrapped key (after too many wrong PINs, or a panic wipe)
 * overwrites it in place with random bytes and fsyncs.
 */
final class VaultHeader {
    static final String FILE = "vault.hdr";
    private static final byte[] MAGIC = "OTPiVLT1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int AAD_LENGTH = 8 + 12 + 16 + 16;
    static final int LENGTH = AAD_LENGTH + 12 + 48;

    final Argon2id kdf;
    final byte[] salt;
    final byte[] vaultId;
    final byte[] nonce;
    final byte[] wrapped;

    private VaultHeader(Argon2id kdf, byte[] salt, byte[] vaultId, byte[] nonce, byte[] wrapped) {
        this.kdf = kdf;
        this.salt = salt;
        this.vaultId = vaultId;
        this.nonce = nonce;
        this.wrapped = wrapped;
    }

    /** Wraps {@code vaultKey} under a KEK from the PIN and device secret. */
    static VaultHeader wrap(byte[] vaultKey, byte[] vaultId, char[] pin, DeviceSecret secret, Argon2id kdf) {
        SecureRandom rnd = new SecureRandom();
        byte[] salt = new byte[16];
        byte[] nonce = new byte[12];
        rnd.nextBytes(salt);
        rnd.nextBytes(nonce);
        VaultHeader h = new VaultHeader(kdf, salt, vaultId.clone(), nonce, null);
        byte[] kek = kdf.derive(pin, salt, secret.bytes(), 32);
        try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(kek)) {
            byte[] w = aead.seal(nonce, vaultKey, 0, vaultKey.length, h.aad());
            return new VaultHeader(kdf, salt, vaultId.clone(), nonce, w);
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    /** Unwraps the vault key; null if the PIN or the device secret is wrong. */
    byte[] unwrap(char[] pin, DeviceSecret secret) {
        byte[] kek = kdf.derive(pin, salt, secret.bytes(), 32);
        try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(kek)) {
            return aead.open(nonce, wrapped, 0, wrapped.length, aad());
        } catch (AEADBadTagException e) {
            return null;
        } finally {
            Arrays.fill(kek, (byte) 0);
        }
    }

    private byte[] aad() {
        return ByteBuffer.allocate(AAD_LENGTH).put(MAGIC).putInt(kdf.memoryKiB()).putInt(kdf.iterations())
                .putInt(kdf.parallelism()).put(salt).put(vaultId).array();
    }

    byte[] toBytes() {
        return ByteBuffer.allocate(LENGTH).put(aad()).put(nonce).put(wrapped).array();
    }

    void write(Path medium) throws IOException {
        Durable.writeAtomically(medium.resolve(FILE), toBytes());
    }

    static boolean exists(Path medium) {
        return Files.exists(medium.resolve(FILE));
    }

    static VaultHeader read(Path medium) throws IOException {
        byte[] b = Files.readAllBytes(medium.resolve(FILE));
        if (b.length != LENGTH || !Arrays.equals(Arrays.copyOf(b, 8), MAGIC)) {
            throw new IOException("not an OTPi vault header");
        }
        ByteBuffer bb = ByteBuffer.wrap(b, 8, b.length - 8);
        Argon2id kdf;
        try {
            kdf = new Argon2id(bb.getInt(), bb.getInt(), bb.getInt());
        } catch (IllegalArgumentException e) {
            throw new IOException("vault header has bad KDF parameters");
        }
        byte[] salt = new byte[16];
        byte[] id = new byte[16];
        byte[] nonce = new byte[12];
        byte[] wrapped = new byte[48];
        bb.get(salt).get(id).get(nonce).get(wrapped);
        return new VaultHeader(kdf, salt, id, nonce, wrapped);
    }

    /**
     * Overwrites the salt and the wrapped key of the header on the medium in place (the same
     * file, no temp file and rename that would leave the old inode with the key) with random
     * bytes, and fsyncs. Irreversible. Works on a header that is already destroyed.
     */
    static void destroyWrappedKey(Path medium) throws IOException {
        Path f = medium.resolve(FILE);
        SecureRandom rnd = new SecureRandom();
        // The salt (the KEK's input) and nonce + wrapped key; the vault id stays, so the wrong-PIN
        // count of this vault (kept by id on the SD card) still applies to every copy.
        byte[] salt = new byte[16];
        byte[] rest = new byte[12 + 48];
        rnd.nextBytes(salt);
        rnd.nextBytes(rest);
        Durable.overwriteInPlace(f, 8 + 12, salt, 16);
        Durable.overwriteInPlace(f, AAD_LENGTH, rest, rest.length);
    }
}
