package org.otpi.appliance.vault;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.crypto.InsecureNonceChaCha20Poly1305;
import org.otpi.appliance.pad.PadGeometry;

/**
 * Writes a vault exactly as the code of November 2026 (commit c48744b) laid it out on the medium
 * and the SD card, so migration tests can open "a vault made by today's code" without keeping
 * that code alive. Formats (all since replaced):
 *
 * <pre>
 *   vault.hdr  "OTPiVLT1" | m | t | p | salt 16 | vault id 16 | nonce 12 | wrapped key 48
 *   journal    "OTPiJRN1" | salt 16 | (len 4 | ChaCha20-Poly1305, nonce = 0^4 | record number 8)*
 *   pads/F     slot i = nonce (chunk index 4 | write counter 8) | ciphertext | tag, 16 KiB chunks
 *   hwm.log    (HMAC tag 16 | send used 8 | receive frontier 8 | CRC-32 4)*   stream offsets
 *   pin.state  "failures lastFailureMillis"
 * </pre>
 *
 * Checked against that code itself by {@code LegacyV1VaultTest} when it was written.
 */
final class LegacyV1Vault {
    static final int CHUNK = 16 * 1024;
    private final SecureRandom rnd = new SecureRandom();
    private final Path medium;
    private final Path state;
    private final String deviceId;
    private final byte[] vaultKey = new byte[32];
    private final byte[] secret = new byte[32];
    private final List<Map<String, Object>> records = new ArrayList<>();
    private final ByteBuffer marks = ByteBuffer.allocate(1 << 16);

    LegacyV1Vault(Path medium, Path state, String deviceId) {
        this.medium = medium;
        this.state = state;
        this.deviceId = deviceId;
        rnd.nextBytes(vaultKey);
        rnd.nextBytes(secret);
        records.add(new LinkedHashMap<>(Map.of("op", "device", "deviceId", deviceId)));
    }

    /** Adds a message pad with cursors; used bytes are zeroed in the file, as v1 destroyed them. */
    LegacyV1Vault pad(String contact, String remoteId, byte[] pad, long sendUsed, long receiveFrontier) throws IOException {
        PadGeometry g = PadGeometry.withDefaultSplit(pad.length);
        var own = PadGeometry.directionOf(deviceId, remoteId);
        var peer = own == org.otpi.appliance.pad.Direction.FORWARD ? org.otpi.appliance.pad.Direction.BACKWARD
                : org.otpi.appliance.pad.Direction.FORWARD;
        byte[] fileId = random(16);
        byte[] fileSalt = random(16);
        byte[] plain = pad.clone();
        List<long[]> opened = new ArrayList<>();
        if (sendUsed > 0) {
            long[] r = g.absoluteRange(own, 0, sendUsed);
            Arrays.fill(plain, (int) r[0], (int) r[1], (byte) 0);
        }
        if (receiveFrontier > 0) {
            long[] r = g.absoluteRange(peer, 0, receiveFrontier);
            Arrays.fill(plain, (int) r[0], (int) r[1], (byte) 0);
            opened.add(r);
        }
        Files.createDirectories(medium.resolve("pads"));
        byte[] key = Hkdf.derive(vaultKey, fileSalt, "otpi pad v1", 32);
        long chunks = (pad.length + CHUNK - 1) / CHUNK;
        try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(key);
             var out = Files.newOutputStream(medium.resolve("pads").resolve(HexFormat.of().formatHex(fileId)))) {
            for (long i = 0; i < chunks; i++) {
                int len = (int) Math.min(CHUNK, pad.length - i * CHUNK);
                byte[] nonce = ByteBuffer.allocate(12).putInt((int) i).putLong(i + 1).array();
                byte[] aad = ByteBuffer.allocate(8 + 16 + 8 + 4).put("otpi-pad".getBytes(StandardCharsets.US_ASCII))
                        .put(fileId).putLong(i).putInt(len).array();
                out.write(nonce);
                out.write(aead.seal(nonce, plain, (int) (i * CHUNK), len, aad));
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("file", HexFormat.of().formatHex(fileId));
        p.put("fileSalt", HexFormat.of().formatHex(fileSalt));
        p.put("size", (long) pad.length);
        p.put("chunkSize", CHUNK);
        p.put("padId", HexFormat.of().formatHex(pad, 0, 16));
        p.put("source", "imported");
        p.put("kind", "message");
        p.put("split", g.split());
        p.put("sendUsed", sendUsed);
        p.put("receiveFrontier", receiveFrontier);
        p.put("opened", opened);
        p.put("nonceReserved", chunks + 4096);
        p.put("expired", false);
        p.put("lowThreshold", g.capacity(own) / 10);
        p.put("created", 1_764_000_000_000L);
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", contact);
        c.put("remoteId", remoteId);
        c.put("pad", p);
        records.add(new LinkedHashMap<>(Map.of("op", "set", "contact", c)));
        mark(Arrays.copyOf(pad, 16), sendUsed, receiveFrontier);
        return this;
    }

    /** Writes every file; the vault opens with {@code pin}. */
    void write(char[] pin, Argon2id kdf) throws IOException {
        Files.createDirectories(medium);
        Files.createDirectories(state);
        Files.write(state.resolve("device.secret"), secret);
        Files.write(state.resolve("pin.state"), "0 0\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(state.resolve("hwm.log"), Arrays.copyOf(marks.array(), marks.position()));
        // header
        byte[] salt = random(16);
        byte[] vaultId = random(16);
        byte[] nonce = random(12);
        byte[] aad = ByteBuffer.allocate(52).put("OTPiVLT1".getBytes(StandardCharsets.US_ASCII))
                .putInt(kdf.memoryKiB()).putInt(kdf.iterations()).putInt(kdf.parallelism()).put(salt).put(vaultId).array();
        byte[] kek = kdf.derive(pin, salt, secret, 32);
        try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(kek)) {
            byte[] wrapped = aead.seal(nonce, vaultKey, 0, 32, aad);
            Files.write(medium.resolve("vault.hdr"), ByteBuffer.allocate(112).put(aad).put(nonce).put(wrapped).array());
        }
        // journal
        byte[] jsalt = random(16);
        byte[] magic = "OTPiJRN1".getBytes(StandardCharsets.US_ASCII);
        byte[] jkey = Hkdf.derive(vaultKey, jsalt, "otpi journal v1", 32);
        ObjectMapper json = new ObjectMapper();
        try (InsecureNonceChaCha20Poly1305 aead = new InsecureNonceChaCha20Poly1305(jkey);
             var out = Files.newOutputStream(medium.resolve("journal"))) {
            out.write(magic);
            out.write(jsalt);
            long n = 0;
            for (Map<String, Object> r : records) {
                byte[] body = json.writeValueAsBytes(r);
                byte[] rn = ByteBuffer.allocate(12).putInt(0).putLong(n).array();
                byte[] raad = ByteBuffer.allocate(24 + 12).put(magic).put(jsalt).putLong(n).putInt(body.length).array();
                out.write(ByteBuffer.allocate(4).putInt(body.length).array());
                out.write(aead.seal(rn, body, 0, body.length, raad));
                n++;
            }
        }
    }

    private void mark(byte[] padId, long send, long recv) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update("otpi-hwm".getBytes(StandardCharsets.US_ASCII));
            byte[] tag = Arrays.copyOf(mac.doFinal(padId), 16);
            int start = marks.position();
            marks.put(tag).putLong(send).putLong(recv);
            CRC32 crc = new CRC32();
            crc.update(marks.array(), start, 32);
            marks.putInt((int) crc.getValue());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private byte[] random(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }
}
