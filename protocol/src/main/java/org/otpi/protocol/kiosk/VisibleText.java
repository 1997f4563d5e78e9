package org.otpi.protocol.kiosk;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Message text as the trusted screen shows it (DESIGN section 8, "the screen tells the truth"):
 * every character that would not show itself, or could pass for another, becomes a visible mark,
 * so what the person reads is exactly what is sealed.
 *
 * <ul>
 *   <li>A line feed stays a line break, preceded by a {@code ↵} mark (empty lines at the end
 *       cannot hide).</li>
 *   <li>Other control characters (C0, DEL, C1) become {@code \xNN} marks ({@code \t} for tab,
 *       {@code \r} for carriage return).</li>
 *   <li>Format characters (bidi overrides, zero-width joiners, the BOM), line and paragraph
 *       separators, spaces other than U+0020 (no-break, em, ideographic ...), private-use,
 *       unassigned and non-characters become {@code \\uXXXX} marks.</li>
 *   <li>Bytes that are not UTF-8 become {@code \xNN} marks, one per byte.</li>
 * </ul>
 *
 * A mark is a separate {@link Run} with {@code mark = true}, so a screen can draw it apart from
 * text that merely looks like an escape (a typed backslash). Pure function; thread-safe.
 */
public final class VisibleText {
    /** More runs than this and the rest is one run of plain text with its marks inline. */
    static final int MAX_RUNS = 4000;

    /** A piece of text: as typed ({@code mark = false}) or a mark standing for something unseen. */
    public record Run(String text, boolean mark) {
    }

    private VisibleText() {
    }

    /** The runs for {@code utf8}, plain runs merged. */
    public static List<Run> runs(byte[] utf8) {
        List<Run> out = new ArrayList<>();
        StringBuilder plain = new StringBuilder();
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(utf8);
        CharBuffer chars = CharBuffer.allocate(Math.max(16, utf8.length));
        while (true) {
            CoderResult r = d.decode(in, chars, true);
            chars.flip();
            emit(chars, out, plain);
            chars.clear();
            if (r.isError()) {
                for (int k = 0; k < r.length(); k++) {
                    mark(out, plain, String.format(Locale.ROOT, "\\x%02x", in.get() & 0xff));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        d.flush(chars);
        chars.flip();
        emit(chars, out, plain);
        if (plain.length() > 0) {
            out.add(new Run(plain.toString(), false));
        }
        return cap(out);
    }

    /** The text with its marks inline, as one string (for a console or a log-free preview). */
    public static String plain(byte[] utf8) {
        StringBuilder b = new StringBuilder();
        for (Run r : runs(utf8)) {
            b.append(r.text());
        }
        return b.toString();
    }

    /** The marks a single name (a contact, a file name, a client) needs: one line, marks inline. */
    public static String name(String s) {
        String p = plain(s.getBytes(StandardCharsets.UTF_8));
        return p.replace("↵\n", "\\n");
    }

    /** How many lines {@code utf8} has (1 + line feeds). */
    public static int lines(byte[] utf8) {
        int n = 1;
        for (byte b : utf8) {
            if (b == '\n') {
                n++;
            }
        }
        return n;
    }

    private static void emit(CharBuffer chars, List<Run> out, StringBuilder plain) {
        while (chars.hasRemaining()) {
            char c = chars.get();
            int cp = c;
            if (Character.isHighSurrogate(c) && chars.hasRemaining() && Character.isLowSurrogate(chars.get(chars.position()))) {
                cp = Character.toCodePoint(c, chars.get());
            }
            if (cp == '\n') {
                mark(out, plain, "↵");
                plain.append('\n');
            } else if (cp == '\t') {
                mark(out, plain, "\\t");
            } else if (cp == '\r') {
                mark(out, plain, "\\r");
            } else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
                mark(out, plain, String.format(Locale.ROOT, "\\x%02x", cp));
            } else if (hidden(cp)) {
                mark(out, plain, String.format(Locale.ROOT, cp > 0xffff ? "\\u{%x}" : "\\u%04x", cp));
            } else {
                plain.appendCodePoint(cp);
            }
        }
    }

    /** Characters that do not show themselves or pass for a plain space. */
    static boolean hidden(int cp) {
        int type = Character.getType(cp);
        return type == Character.FORMAT || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || (type == Character.SPACE_SEPARATOR && cp != ' ') || type == Character.PRIVATE_USE
                || type == Character.UNASSIGNED || type == Character.SURROGATE
                || (cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef)
                || cp == 0x115f || cp == 0x1160 || cp == 0x3164 || cp == 0xffa0 // Hangul fillers: blank glyphs
                || cp == 0x2800; // braille blank
    }

    private static void mark(List<Run> out, StringBuilder plain, String text) {
        if (plain.length() > 0) {
            out.add(new Run(plain.toString(), false));
            plain.setLength(0);
        }
        out.add(new Run(text, true));
    }

    private static List<Run> cap(List<Run> runs) {
        if (runs.size() <= MAX_RUNS) {
            return runs;
        }
        List<Run> out = new ArrayList<>(runs.subList(0, MAX_RUNS - 1));
        StringBuilder rest = new StringBuilder();
        for (Run r : runs.subList(MAX_RUNS - 1, runs.size())) {
            rest.append(r.text());
        }
        out.add(new Run(rest.toString(), false));
        return out;
    }
}
