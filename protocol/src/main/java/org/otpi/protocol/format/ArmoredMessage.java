package org.otpi.protocol.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The armored text format (after the CDOTP note) for mail, files and paper. It wraps an OTPi v2
 * package; every header line is a readable copy of something the v2 header already carries
 * under its one-time MAC (the sender's offset is the index, the other offset is derived from the
 * authenticated ack and the pad size), and any disagreement is rejected — here for what needs no
 * pad, and by the vault for the offset that needs the pad size — so the text adds no
 * unauthenticated meaning. There is no checksum of the plaintext (that would leak it).
 *
 * <pre>
 *   CdOtP
 *   SOH
 *   2                                   format version
 *   OTPCD-Id: 00112233445566778899aabbccddeeff
 *   OTPCD-Offset-Left: 16               Person 0's next index before this message
 *   OTPCD-Offset-Right: 1048575         Person 1's next index before this message
 *   Post-Message-Pad-Status: Normal     or Expired (the sender retires the pad)
 *   EOH
 *   T1RQMgIA...                         base64 of the v2 package, 64 columns
 *   EOM
 * </pre>
 */
public record ArmoredMessage(long offsetLeft, long offsetRight, byte[] v2Package) {
    public static final String BEGIN = "CdOtP";
    private static final String VERSION = "2";
    private static final int MAX_TEXT = 64 * 1024 * 1024;
    private static final int BASE64_COLUMNS = 64;
    private static final java.util.regex.Pattern CANONICAL_DECIMAL = java.util.regex.Pattern.compile("0|[1-9][0-9]{0,18}");
    private static final List<String> FIELDS = List.of("OTPCD-Id", "OTPCD-Offset-Left", "OTPCD-Offset-Right",
            "Post-Message-Pad-Status");

    public ArmoredMessage {
        v2Package = v2Package.clone();
    }

    /** The inner package's header (parsed). */
    public V2Header header() throws MalformedPackageException {
        return V2Header.parse(v2Package);
    }

    @Override
    public byte[] v2Package() {
        return v2Package.clone();
    }

    /** The armored text, lines ending in LF. */
    public String format() throws MalformedPackageException {
        V2Header h = header();
        StringBuilder b = new StringBuilder();
        b.append(BEGIN).append('\n').append("SOH\n").append(VERSION).append('\n');
        b.append("OTPCD-Id: ").append(HexFormat.of().formatHex(h.padId())).append('\n');
        b.append("OTPCD-Offset-Left: ").append(offsetLeft).append('\n');
        b.append("OTPCD-Offset-Right: ").append(offsetRight).append('\n');
        b.append("Post-Message-Pad-Status: ").append(h.expired() ? "Expired" : "Normal").append('\n');
        b.append("EOH\n");
        String body = Base64.getEncoder().encodeToString(v2Package);
        for (int i = 0; i < body.length(); i += BASE64_COLUMNS) {
            b.append(body, i, Math.min(body.length(), i + BASE64_COLUMNS)).append('\n');
        }
        b.append("EOM\n");
        return b.toString();
    }

    /**
     * Parses armored text, accepting only the canonical form {@link #format()} writes, so that
     * one message has exactly one text (no character can be added, removed or changed without
     * rejection). The only tolerances are those of the envelope around it: CRLF line ends (on every
     * line, or on none), and
     * empty lines before {@code CdOtP} and after {@code EOM}. Each header line is exactly
     * {@code Name: value} (one space, no trailing blank); offsets are ASCII decimal without sign
     * or leading zero; the id is 32 lower-case hex digits; base64 lines are exactly 64 characters
     * except a shorter last one, with no blank anywhere. Anything else is rejected with a message
     * saying what.
     */
    public static ArmoredMessage parse(String text) throws MalformedPackageException {
        if (text == null || text.length() > MAX_TEXT) {
            throw new MalformedPackageException("armored text missing or too large");
        }
        if (text.contains("\r\n") && text.replace("\r\n", "").indexOf('\n') >= 0) {
            throw new MalformedPackageException("mixed line ends (CRLF and LF)");
        }
        List<String> lines = new ArrayList<>(Arrays.asList(text.replace("\r\n", "\n").split("\n", -1)));
        while (!lines.isEmpty() && lines.get(0).isEmpty()) {
            lines.remove(0);
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.size() < 9 || !lines.get(0).equals(BEGIN) || !lines.get(1).equals("SOH")) {
            throw new MalformedPackageException("not an armored OTPi message (missing CdOtP/SOH)");
        }
        if (!lines.get(2).equals(VERSION)) {
            throw new MalformedPackageException("unsupported armored format version");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int i = 3;
        for (; i < lines.size() && !lines.get(i).equals("EOH"); i++) {
            String line = lines.get(i);
            int colon = line.indexOf(": ");
            if (colon <= 0) {
                throw new MalformedPackageException("bad header line " + (i + 1));
            }
            String key = line.substring(0, colon);
            if (!FIELDS.contains(key) || fields.put(key, line.substring(colon + 2)) != null) {
                throw new MalformedPackageException("unknown or repeated header " + key);
            }
        }
        if (i >= lines.size() || fields.size() != FIELDS.size()) {
            throw new MalformedPackageException("missing headers or EOH");
        }
        if (!lines.get(lines.size() - 1).equals("EOM")) {
            throw new MalformedPackageException("missing EOM (truncated?)");
        }
        StringBuilder b64 = new StringBuilder();
        int first = i + 1;
        int last = lines.size() - 2;
        if (last < first) {
            throw new MalformedPackageException("no base64 body");
        }
        for (int k = first; k <= last; k++) {
            String line = lines.get(k);
            boolean fullWidth = line.length() == BASE64_COLUMNS;
            if (k < last ? !fullWidth : line.isEmpty() || line.length() > BASE64_COLUMNS) {
                throw new MalformedPackageException("base64 body not in " + BASE64_COLUMNS + " columns (line " + (k + 1) + ")");
            }
            b64.append(line);
        }
        byte[] pkg;
        try {
            pkg = Base64.getDecoder().decode(b64.toString());
        } catch (IllegalArgumentException e) {
            throw new MalformedPackageException("bad base64 body");
        }
        if (!Base64.getEncoder().encodeToString(pkg).equals(b64.toString())) {
            throw new MalformedPackageException("non-canonical base64 body");
        }
        long left = parseOffset(fields.get("OTPCD-Offset-Left"));
        long right = parseOffset(fields.get("OTPCD-Offset-Right"));
        V2Header h = V2Header.parse(pkg);
        if (pkg.length != V2Header.LENGTH + h.length() + V2Header.TAG_LENGTH) {
            throw new MalformedPackageException("package length does not match its header (truncated?)");
        }
        if (!fields.get("OTPCD-Id").equals(HexFormat.of().formatHex(h.padId()))) {
            throw new MalformedPackageException("OTPCD-Id does not match the package");
        }
        String status = fields.get("Post-Message-Pad-Status");
        if (!status.equals(h.expired() ? "Expired" : "Normal")) {
            throw new MalformedPackageException("Post-Message-Pad-Status does not match the package");
        }
        if (left != h.index() && right != h.index()) {
            throw new MalformedPackageException("offsets do not match the package index");
        }
        return new ArmoredMessage(left, right, pkg);
    }

    /**
     * An offset in its one canonical spelling: ASCII digits, no sign, no leading zero (except
     * {@code 0} itself), no blank, at most {@link Long#MAX_VALUE}. {@link Long#parseLong} alone
     * would also take {@code +16}, {@code 016}, {@code -0} and non-ASCII digits.
     */
    static long parseOffset(String s) throws MalformedPackageException {
        if (s == null || !CANONICAL_DECIMAL.matcher(s).matches()) {
            throw new MalformedPackageException("bad offset (not a canonical decimal)");
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new MalformedPackageException("bad offset (too large)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ArmoredMessage m && m.offsetLeft == offsetLeft && m.offsetRight == offsetRight
                && Arrays.equals(m.v2Package, v2Package);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(v2Package);
    }

    @Override
    public String toString() {
        return "ArmoredMessage[" + v2Package.length + " bytes]";
    }
}
