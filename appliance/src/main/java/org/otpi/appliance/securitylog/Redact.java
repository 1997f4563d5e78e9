package org.otpi.appliance.securitylog;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Contact names are vault metadata, encrypted at rest; the security log is a plain file on the
 * SD card. Log lines name a contact by a pseudonym that is stable for the life of the process
 * (so one run's entries can be correlated) and cannot be reversed (a random per-process key,
 * never stored). The screen maps entries to names through pad ids.
 */
public final class Redact {
    private static final byte[] KEY = new byte[32];

    static {
        new SecureRandom().nextBytes(KEY);
    }

    private Redact() {
    }

    /** A pseudonym such as {@code contact#3fa9c1d2}. */
    public static String contact(String name) {
        return pseudonym("contact", name);
    }

    /**
     * A paired client's pseudonym, such as {@code client#5b01e7aa}: client names are chosen on the
     * laptop and often name a person ("alice-laptop"), so they are kept out of the file too.
     */
    public static String client(String name) {
        return pseudonym("client", name);
    }

    private static String pseudonym(String kind, String name) {
        if (name == null) {
            return kind + "#none";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
            mac.update((kind + ":").getBytes(StandardCharsets.UTF_8));
            return kind + "#" + HexFormat.of().formatHex(mac.doFinal(name.getBytes(StandardCharsets.UTF_8)), 0, 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
