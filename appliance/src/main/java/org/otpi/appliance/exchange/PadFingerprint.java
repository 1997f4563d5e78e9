package org.otpi.appliance.exchange;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * What both people compare after an exchange: six words from {@link FingerprintWords}, one
 * per byte of
 * {@code SHA-256("OTPi pad fingerprint v1" || pad id (16) || size (u64 BE) || SHA-256(pad))}.
 * 48 bits: enough to catch a wrong or damaged pad and a swapped medium, which is its job (the
 * package is already authenticated by the transfer code). Reveals nothing usable about the pad.
 */
public record PadFingerprint(List<String> words) {
    public static final int WORDS = 6;
    private static final byte[] LABEL = "OTPi pad fingerprint v1".getBytes(StandardCharsets.US_ASCII);

    public PadFingerprint {
        words = List.copyOf(words);
    }

    static PadFingerprint of(byte[] padId, long size, byte[] padSha256) {
        MessageDigest d = sha256();
        d.update(LABEL);
        d.update(padId);
        d.update(ByteBuffer.allocate(8).putLong(size).array());
        d.update(padSha256);
        byte[] h = d.digest();
        List<String> w = new ArrayList<>(WORDS);
        for (int i = 0; i < WORDS; i++) {
            w.add(FingerprintWords.word(h[i]));
        }
        return new PadFingerprint(w);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** For the screen: {@code "acorn river ..."}. */
    public String display() {
        return String.join(" ", words);
    }
}
