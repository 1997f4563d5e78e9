package org.otpi.relay;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Invite codes for registration by invitation: {@code "inv-" base64url(16 random bytes)}. The
 * store keeps only their SHA-256 (a 128-bit random secret needs no slow hash), each good for one
 * registration until it expires. A code is shown once, when {@code otpi-relay invite} makes it.
 */
final class Invites {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern FORM = Pattern.compile("inv-[A-Za-z0-9_-]{22}");

    private Invites() {
    }

    /** Fresh codes; store {@link #hash} of each and hand the codes out. */
    static List<String> make(int n) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[16];
            RANDOM.nextBytes(b);
            out.add("inv-" + Base64.getUrlEncoder().withoutPadding().encodeToString(b));
        }
        return out;
    }

    static boolean isWellFormed(String code) {
        return code != null && FORM.matcher(code).matches();
    }

    static byte[] hash(String code) {
        return AccountTokens.sha256(code.getBytes(StandardCharsets.US_ASCII));
    }
}
