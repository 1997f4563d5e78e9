package org.otpi.relay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * Account tokens: {@code uid "." base64url(32 random bytes)}. The relay stores only
 * SHA-256 of the random part (a 256-bit secret needs no slow hash) and compares hashes in
 * constant time. The uid prefix tells the relay which stored hash to compare against.
 */
final class AccountTokens {
    static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private AccountTokens() {
    }

    /** A fresh token for {@code uid} and the hash to store for it. */
    record Issued(String token, byte[] hash) {
        @Override
        public String toString() {
            return "Issued[token=<redacted>]";
        }
    }

    static Issued issue(String uid) {
        byte[] secret = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secret);
        String token = uid + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        byte[] hash = sha256(secret);
        Arrays.fill(secret, (byte) 0);
        return new Issued(token, hash);
    }

    /** The uid a token claims, or null if the token is malformed. */
    static String claimedUid(String token) {
        int dot = token.lastIndexOf('.');
        if (dot <= 0) {
            return null;
        }
        String uid = token.substring(0, dot);
        return Names.isValidUid(uid) ? uid : null;
    }

    /** True if {@code token} matches {@code storedHash}; constant time in the secret. */
    static boolean matches(String token, byte[] storedHash) {
        int dot = token.lastIndexOf('.');
        String b64 = token.substring(dot + 1);
        if (b64.length() != 43) {
            return false;
        }
        byte[] secret;
        try {
            secret = Base64.getUrlDecoder().decode(b64.getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] hash = sha256(secret);
        Arrays.fill(secret, (byte) 0);
        return MessageDigest.isEqual(hash, storedHash);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }
}
