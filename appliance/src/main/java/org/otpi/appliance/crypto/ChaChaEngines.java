package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.tinylog.Logger;

/**
 * Chooses the {@link ChaChaEngine} for this process: libsodium when it loads and passes its
 * known-answer tests, else the JDK's cipher. {@code -Dotpi.aead=sodium|jdk|bouncycastle} forces
 * one (an engine that is unavailable or fails its self-test is never used: the choice falls
 * back and says so). Every engine checks RFC 8439 section 2.8.2 and draft-irtf-cfrg-xchacha-03
 * A.3.1 before it is handed out.
 */
public final class ChaChaEngines {
    private static volatile ChaChaEngine best;

    private ChaChaEngines() {
    }

    /** The engine this process uses for bulk work (tunnel, pad chunks, file sealing). */
    public static ChaChaEngine best() {
        ChaChaEngine b = best;
        if (b == null) {
            synchronized (ChaChaEngines.class) {
                b = best;
                if (b == null) {
                    b = choose(System.getProperty("otpi.aead", ""));
                    best = b;
                }
            }
        }
        return b;
    }

    /** Every engine that works here (for tests and benchmarks), the best first. */
    public static List<ChaChaEngine> available() {
        List<ChaChaEngine> out = new ArrayList<>();
        for (String name : List.of("sodium", "jdk", "bouncycastle")) {
            ChaChaEngine e = create(name);
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** A named engine ("sodium", "jdk", "bouncycastle") if it works here, else null. */
    public static ChaChaEngine create(String name) {
        ChaChaEngine e;
        switch (name.toLowerCase(Locale.ROOT)) {
            case "sodium", "libsodium" -> {
                if (SodiumChaChaEngine.unavailable() != null) {
                    return null;
                }
                e = new SodiumChaChaEngine();
            }
            case "jdk" -> e = new JdkChaChaEngine();
            case "bouncycastle", "bc" -> e = new BcChaChaEngine();
            default -> throw new IllegalArgumentException("unknown AEAD engine: " + name);
        }
        return selfTest(e) ? e : null;
    }

    private static ChaChaEngine choose(String wanted) {
        if (!wanted.isEmpty()) {
            ChaChaEngine e = create(wanted);
            if (e != null) {
                Logger.info("AEAD engine: {} (chosen with otpi.aead)", e.name());
                return e;
            }
            Logger.warn("AEAD engine {} is not usable here; choosing another", wanted);
        }
        ChaChaEngine sodium = create("sodium");
        if (sodium != null) {
            Logger.info("AEAD engine: {}", sodium.name());
            return sodium;
        }
        Throwable why = SodiumChaChaEngine.unavailable();
        Logger.info("AEAD engine: jdk (libsodium not usable: {})", why == null ? "failed its self-test" : why.getMessage());
        ChaChaEngine jdk = create("jdk");
        if (jdk == null) {
            throw new IllegalStateException("no working ChaCha20-Poly1305 engine");
        }
        return jdk;
    }

    // RFC 8439 section 2.8.2 and draft-irtf-cfrg-xchacha-03 appendix A.3.1: the same plaintext,
    // AAD and key; the nonces differ.
    private static final String PLAIN = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
            + "for the future, sunscreen would be it.";
    static final String KAT_KEY = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
    static final String KAT_AAD = "50515253c0c1c2c3c4c5c6c7";
    static final String KAT_NONCE = "070000004041424344454647";
    static final String KAT_SEALED = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
            + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
            + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
            + "3ff4def08e4b7a9de576d26586cec64b6116"
            + "1ae10b594f09e26a7e902ecbd0600691";
    static final String KAT_XNONCE = "404142434445464748494a4b4c4d4e4f5051525354555657";
    static final String KAT_XSEALED = "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
            + "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
            + "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
            + "21f9664c97637da9768812f615c68b13b52e"
            + "c0875924c1c7987947deafd8780acf49";

    static byte[] katPlaintext() {
        return PLAIN.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static boolean selfTest(ChaChaEngine e) {
        try {
            return kat(e, KAT_NONCE, KAT_SEALED) && kat(e, KAT_XNONCE, KAT_XSEALED);
        } catch (RuntimeException | LinkageError ex) {
            Logger.warn("AEAD engine {} failed its self-test: {}", e.name(), ex.toString());
            return false;
        }
    }

    private static boolean kat(ChaChaEngine e, String nonceHex, String sealedHex) {
        HexFormat hex = HexFormat.of();
        byte[] plain = katPlaintext();
        byte[] nonce = hex.parseHex(nonceHex);
        ByteBuffer aad = ByteBuffer.wrap(hex.parseHex(KAT_AAD));
        try (ChaChaEngine.Key k = e.key(hex.parseHex(KAT_KEY))) {
            ByteBuffer sealed = ByteBuffer.allocate(plain.length + ChaChaEngine.TAG_LENGTH);
            e.seal(k, nonce, aad, ByteBuffer.wrap(plain), sealed);
            if (!hex.formatHex(sealed.array()).equals(sealedHex)) {
                return false;
            }
            ByteBuffer back = ByteBuffer.allocate(plain.length);
            sealed.flip();
            if (!e.open(k, nonce, aad, sealed, back) || !java.util.Arrays.equals(back.array(), plain)) {
                return false;
            }
            byte[] bad = hex.parseHex(sealedHex);
            bad[bad.length - 1] ^= 1;
            return !e.open(k, nonce, aad, ByteBuffer.wrap(bad), ByteBuffer.allocate(plain.length));
        }
    }
}
