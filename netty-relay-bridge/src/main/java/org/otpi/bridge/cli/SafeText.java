package org.otpi.bridge.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Shows text someone else wrote so that it cannot pass for the client's own output or for another
 * sender (issue 12, item 2). A message is authenticated as coming from its sender, but its
 * contents are still whatever the sender typed, including terminal escapes and fake lines.
 *
 * <pre>
 *   [2026-12-02 14:03:05 pad 4096] alice: first line
 *       | carol: this is still alice's message
 *       | \x1b[2J  (escapes and control characters shown, never sent to the terminal)
 * </pre>
 *
 * <ul>
 *   <li>Every message starts with a header the sender cannot write: local time and the pad index
 *       the device reported, then the sender as the device knows it.</li>
 *   <li>Control characters (C0 except newline, DEL, C1 such as the 8-bit CSI), Unicode format
 *       characters (bidi overrides, except the zero-width joiner of emoji) and line/paragraph
 *       separators are written as {@code \xHH} or {@code \\uHHHH}.</li>
 *   <li>Every further line, including those a long line is wrapped into, starts with
 *       {@value #INDENT}; the client's own output never does. Runs of more than eight spaces are
 *       shortened, so a line cannot be padded out to wrap at the terminal's edge.</li>
 * </ul>
 *
 * <p>Limits: widths are counted in code points, so wide (CJK) characters wrap later than the
 * terminal does; the header still starts every message.
 */
final class SafeText {
    static final String INDENT = "    | ";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final int MIN_WIDTH = 40;

    private SafeText() {
    }

    /** The terminal width to wrap at: {@code COLUMNS} when set, else 100. */
    static int terminalWidth() {
        try {
            String c = System.getenv("COLUMNS");
            return c == null ? 100 : Math.max(MIN_WIDTH, Integer.parseInt(c.trim()));
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    /** The header: {@code [time pad N] sender:} (index < 0: no index known). */
    static String header(Instant time, long index, String sender) {
        String when = TIME.format(time.atZone(ZoneId.systemDefault()));
        return "[" + when + (index >= 0 ? " pad " + index : "") + "] " + escape(sender) + ":";
    }

    /** The physical lines to print for {@code text} under {@code header}, wrapped at {@code width}. */
    static List<String> render(String header, String text, int width) {
        width = Math.max(MIN_WIDTH, width);
        List<String> out = new ArrayList<>();
        String[] lines = text.replace("\r\n", "\n").split("\n", -1);
        if (lines.length == 1) {
            wrap(header + " ", escape(lines[0]), width, out);
        } else {
            out.add(header);
            for (String line : lines) {
                wrap(INDENT, escape(line), width, out);
            }
        }
        return out;
    }

    private static void wrap(String first, String body, int width, List<String> out) {
        int room = Math.max(10, width - first.codePointCount(0, first.length()));
        int continuationRoom = width - INDENT.length();
        String prefix = first;
        int i = 0;
        do {
            int end = body.offsetByCodePoints(i, Math.min(room, body.codePointCount(i, body.length())));
            out.add(prefix + body.substring(i, end));
            i = end;
            prefix = INDENT;
            room = continuationRoom;
        } while (i < body.length());
    }

    /** Makes every character that could steer the terminal visible; newlines are escaped too. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        int spaces = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == ' ') {
                spaces++;
                continue;
            }
            flushSpaces(b, spaces);
            spaces = 0;
            if (cp == '\t') {
                b.append("    ");
            } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f)) {
                b.append(String.format("\\x%02x", cp));
            } else if (visibleAsIs(cp)) {
                b.appendCodePoint(cp);
            } else {
                b.append(String.format("\\u%04x", cp));
            }
        }
        flushSpaces(b, spaces);
        return b.toString();
    }

    private static boolean visibleAsIs(int cp) {
        if (cp == 0x200d) {
            return true; // zero-width joiner: part of emoji sequences, steers nothing
        }
        int type = Character.getType(cp);
        return type != Character.FORMAT && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR && type != Character.SURROGATE
                && type != Character.CONTROL;
    }

    private static void flushSpaces(StringBuilder b, int n) {
        if (n > 8) {
            b.append("  [").append(n).append(" spaces]  ");
        } else {
            b.append(" ".repeat(n));
        }
    }
}
