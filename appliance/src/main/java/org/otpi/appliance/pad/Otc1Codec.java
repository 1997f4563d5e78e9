package org.otpi.appliance.pad;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.otpi.protocol.format.OtcV1Package;

/**
 * Seals and opens One Time Chat v1 packages, byte for byte as the paper's formula (see
 * {@link OtcV1Package} for the layout). The HMAC covers the 6-byte index and the ciphertext.
 * Secrecy is information-theoretic; integrity rests on HMAC-SHA256 (use v2 for integrity without
 * assumptions). Stateless and thread-safe; the caller owns cursors and destruction.
 */
public final class Otc1Codec {
    private Otc1Codec() {
    }

    /** Seals {@code m} with the pad bytes starting at {@code index} in direction {@code d}. */
    public static byte[] seal(PadFile pad, Direction d, long index, byte[] m) throws IOException {
        int n = m.length;
        byte[] body = new byte[n + OtcV1Package.TAG_LENGTH];
        byte[] key = new byte[OtcV1Package.KEY_LENGTH];
        try (PadStream s = pad.stream(d, index, OtcV1Package.padCost(n))) {
            System.arraycopy(m, 0, body, 0, n);
            s.xorInto(body, 0, n); // ciphertext = p_text XOR m
            byte[] pBody = new byte[body.length];
            try {
                s.readInto(pBody, 0, pBody.length);
                s.readInto(key, 0, key.length);
                byte[] tag = hmac(key, OtcV1Package.encodeIndex(index), body, n);
                System.arraycopy(tag, 0, body, n, tag.length);
                for (int k = 0; k < body.length; k++) {
                    body[k] ^= pBody[k];
                }
            } finally {
                Arrays.fill(pBody, (byte) 0);
            }
            return new OtcV1Package(index, body).toBytes();
        } finally {
            Arrays.fill(key, (byte) 0);
            Arrays.fill(body, (byte) 0);
        }
    }

    /** Opens {@code p}, reading pad in direction {@code d}; throws if the tag does not match. */
    public static byte[] open(PadFile pad, Direction d, OtcV1Package p) throws IOException, TagMismatchException {
        int n = p.messageLength();
        byte[] body = p.maskedBody();
        byte[] pText = new byte[n];
        byte[] key = new byte[OtcV1Package.KEY_LENGTH];
        try (PadStream s = pad.stream(d, p.index(), OtcV1Package.padCost(n))) {
            s.readInto(pText, 0, n);
            s.xorInto(body, 0, body.length); // body = masked XOR p_body
            s.readInto(key, 0, key.length);
            byte[] expected = hmac(key, OtcV1Package.encodeIndex(p.index()), body, n);
            byte[] tag = Arrays.copyOfRange(body, n, body.length);
            if (!MessageDigest.isEqual(expected, tag)) {
                throw new TagMismatchException();
            }
            byte[] m = Arrays.copyOf(body, n);
            for (int k = 0; k < n; k++) {
                m[k] ^= pText[k];
            }
            return m;
        } finally {
            Arrays.fill(pText, (byte) 0);
            Arrays.fill(key, (byte) 0);
            Arrays.fill(body, (byte) 0);
        }
    }

    private static byte[] hmac(byte[] key, byte[] index, byte[] ciphertext, int n) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(index);
            mac.update(ciphertext, 0, n);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 unavailable", e);
        }
    }
}
