package org.otpi.relay;

import java.util.regex.Pattern;

/** What the relay accepts as account names and package text. */
final class Names {
    private static final Pattern UID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");

    private Names() {
    }

    /** 1-64 characters of {@code A-Z a-z 0-9 _ . -}, not starting with a dot. */
    static boolean isValidUid(String uid) {
        return uid != null && UID.matcher(uid).matches();
    }

    /** For logs: the uid if well formed, else a placeholder (never echo attacker bytes). */
    static String forLog(String uid) {
        return isValidUid(uid) ? uid : "<malformed>";
    }

    /** Standard base64 with padding, non-empty. */
    static boolean isBase64(String s) {
        int n = s.length();
        if (n == 0 || n % 4 != 0) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!ok) {
                if (c == '=' && (i == n - 1 || (i == n - 2 && s.charAt(n - 1) == '='))) {
                    continue;
                }
                return false;
            }
        }
        return true;
    }

    /** Printable ASCII, non-empty (what the paper's plain endpoints carry). */
    static boolean isPrintableAscii(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
