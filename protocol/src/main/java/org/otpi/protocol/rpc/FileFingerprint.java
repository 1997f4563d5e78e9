package org.otpi.protocol.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The fingerprint of a file being sealed, as both the laptop and the device's screen show it: the
 * first 64 bits of its SHA-256 in four groups of hex digits ({@code 3f2a 9c01 77be 0d4e}). The
 * laptop sends the whole hash with the request; the device shows the short form and checks the
 * streamed body against the whole hash. Finding another file with the same short form is a
 * second preimage of 64 bits. Pure functions; thread-safe.
 */
public final class FileFingerprint {
    /** Hex digits of a whole SHA-256. */
    public static final int HEX_LENGTH = 64;

    private FileFingerprint() {
    }

    /** The short form of a whole hash given as 64 hex digits. */
    public static String shortForm(String sha256Hex) {
        if (!isHash(sha256Hex)) {
            throw new IllegalArgumentException("not a SHA-256 in hex");
        }
        String h = sha256Hex.toLowerCase(Locale.ROOT);
        return h.substring(0, 4) + " " + h.substring(4, 8) + " " + h.substring(8, 12) + " " + h.substring(12, 16);
    }

    /** Whether {@code s} is a SHA-256 written as 64 hex digits. */
    public static boolean isHash(String s) {
        return s != null && s.length() == HEX_LENGTH && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    /** SHA-256 of everything {@code in} holds, in hex (the caller closes it). */
    public static String sha256(InputStream in) throws IOException {
        MessageDigest d = digest();
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    /** A fresh SHA-256. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
