package org.otpi.protocol.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The armored text has one spelling per message: every variant in the table below carries the
 * same package and the same numbers, written differently, and each must be rejected by the
 * parser. Collects every failure with its row number.
 */
class ArmoredCanonicalFormTest {
    private static final long INDEX = 16;
    private static final long RIGHT = 1_048_575;

    /** A real v2 package (random body and tag: the parser needs no pad) in canonical armor. */
    private static String canonical() throws MalformedPackageException {
        byte[] id = new byte[16];
        new Random(7).nextBytes(id);
        V2Header h = new V2Header(0, id, INDEX, 0, 100);
        byte[] pkg = new byte[V2Header.LENGTH + 100 + V2Header.TAG_LENGTH];
        new Random(8).nextBytes(pkg);
        System.arraycopy(h.toBytes(), 0, pkg, 0, V2Header.LENGTH);
        return new ArmoredMessage(INDEX, RIGHT, pkg).format();
    }

    private record Variant(String what, UnaryOperator<String> change) {
    }

    private static Variant header(String what, String name, String canonicalValue, String variantValue) {
        return new Variant(what, t -> replaceOnce(t, name + ": " + canonicalValue + "\n", name + ": " + variantValue + "\n"));
    }

    private static Variant line(String what, String canonicalLine, String variantLine) {
        return new Variant(what, t -> replaceOnce(t, "\n" + canonicalLine + "\n", "\n" + variantLine + "\n"));
    }

    private static String replaceOnce(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0) {
            throw new IllegalStateException("fixture lacks " + from.strip());
        }
        return text.substring(0, at) + to + text.substring(at + from.length());
    }

    private static List<Variant> table(String text) {
        String id = text.lines().filter(l -> l.startsWith("OTPCD-Id: ")).findFirst().orElseThrow().substring(10);
        List<String> body = bodyLines(text);
        String joined = String.join("", body);
        List<Variant> v = new ArrayList<>();
        // numbers: one spelling each
        v.add(header("plus sign", "OTPCD-Offset-Left", "16", "+16"));
        v.add(header("leading zero", "OTPCD-Offset-Left", "16", "016"));
        v.add(header("two leading zeros", "OTPCD-Offset-Left", "16", "0016"));
        v.add(header("trailing blank", "OTPCD-Offset-Left", "16", "16 "));
        v.add(header("trailing tab", "OTPCD-Offset-Left", "16", "16\t"));
        v.add(header("second space after the colon", "OTPCD-Offset-Left", "16", " 16"));
        v.add(header("Arabic-Indic digits", "OTPCD-Offset-Left", "16", "\u0661\u0666"));
        v.add(header("full-width digits", "OTPCD-Offset-Left", "16", "\uff11\uff16"));
        v.add(header("underscore", "OTPCD-Offset-Left", "16", "1_6"));
        v.add(header("hex", "OTPCD-Offset-Left", "16", "0x10"));
        v.add(header("decimal point", "OTPCD-Offset-Left", "16", "16.0"));
        v.add(header("exponent", "OTPCD-Offset-Left", "16", "1.6e1"));
        v.add(header("plus sign, right", "OTPCD-Offset-Right", "1048575", "+1048575"));
        v.add(header("leading zero, right", "OTPCD-Offset-Right", "1048575", "01048575"));
        v.add(header("trailing blank, right", "OTPCD-Offset-Right", "1048575", "1048575 "));
        v.add(header("minus zero for a number", "OTPCD-Offset-Right", "1048575", "-0"));
        v.add(header("beyond a long", "OTPCD-Offset-Right", "1048575", "99999999999999999999"));
        v.add(header("empty number", "OTPCD-Offset-Right", "1048575", ""));
        // the id and the status: exact text
        v.add(header("upper-case id", "OTPCD-Id", id, id.toUpperCase(java.util.Locale.ROOT)));
        v.add(header("id with a trailing blank", "OTPCD-Id", id, id + " "));
        v.add(header("id with a leading blank", "OTPCD-Id", id, " " + id));
        v.add(header("status with a trailing blank", "Post-Message-Pad-Status", "Normal", "Normal "));
        v.add(header("status in lower case", "Post-Message-Pad-Status", "Normal", "normal"));
        v.add(new Variant("no space after the colon", t -> replaceOnce(t, "OTPCD-Offset-Left: 16", "OTPCD-Offset-Left:16")));
        v.add(new Variant("blank before the colon", t -> replaceOnce(t, "OTPCD-Offset-Left: 16", "OTPCD-Offset-Left : 16")));
        v.add(header("CR inside the number", "OTPCD-Offset-Left", "16", "1\r6"));
        v.add(header("CR after the number", "OTPCD-Offset-Left", "16", "16\r"));
        // the frame lines
        v.add(line("trailing blank after SOH", "SOH", "SOH "));
        v.add(line("trailing blank after the version", "2", "2 "));
        v.add(line("version with a leading zero", "2", "02"));
        v.add(line("trailing blank after EOH", "EOH", "EOH "));
        v.add(new Variant("trailing blank after CdOtP", t -> "CdOtP " + t.substring(5)));
        v.add(new Variant("trailing blank after EOM", t -> t.replace("\nEOM\n", "\nEOM \n")));
        v.add(new Variant("a blank line before CdOtP", t -> "  \n" + t));
        v.add(new Variant("a blank line after EOM", t -> t + " \n"));
        v.add(new Variant("mixed line ends", t -> t.replaceFirst("\n", "\r\n")));
        // the base64 body: 64 columns, nothing else
        v.add(line("base64 line with a trailing blank", body.get(0), body.get(0) + " "));
        v.add(line("base64 line with a leading blank", body.get(0), " " + body.get(0)));
        v.add(line("base64 line with a tab", body.get(1), body.get(1) + "\t"));
        v.add(new Variant("base64 in 76 columns", t -> t.replace(String.join("\n", body), wrap(joined, 76))));
        v.add(new Variant("base64 on one line", t -> t.replace(String.join("\n", body), joined)));
        v.add(new Variant("base64 with an empty line inside", t -> replaceOnce(t, body.get(0) + "\n", body.get(0) + "\n\n")));
        v.add(new Variant("last base64 line split in two", t -> {
            String last = body.get(body.size() - 1);
            return replaceOnce(t, "\n" + last + "\n", "\n" + last.substring(0, 4) + "\n" + last.substring(4) + "\n");
        }));
        return v;
    }

    private static List<String> bodyLines(String text) {
        List<String> lines = text.lines().toList();
        return lines.subList(lines.indexOf("EOH") + 1, lines.indexOf("EOM"));
    }

    private static String wrap(String s, int columns) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i += columns) {
            if (i > 0) {
                b.append('\n');
            }
            b.append(s, i, Math.min(s.length(), i + columns));
        }
        return b.toString();
    }

    @Test
    void theCanonicalText_andItsEnvelopeTolerances_areAccepted() throws Exception {
        String text = canonical();
        assertTrue(bodyLines(text).size() >= 3, "the fixture spans several base64 lines");
        ArmoredMessage m = ArmoredMessage.parse(text);
        assertEquals(INDEX, m.offsetLeft());
        assertEquals(RIGHT, m.offsetRight());
        assertEquals(text, m.format(), "format() writes the canonical form");
        assertEquals(m, ArmoredMessage.parse(text.replace("\n", "\r\n")), "CRLF on every line (mail)");
        assertEquals(m, ArmoredMessage.parse("\n\n" + text + "\n\n"), "empty lines around the message");
    }

    @Test
    void everyNonCanonicalSpelling_isRejected() throws Exception {
        String text = canonical();
        List<String> accepted = new ArrayList<>();
        List<Variant> table = table(text);
        for (int i = 0; i < table.size(); i++) {
            Variant v = table.get(i);
            String changed = v.change().apply(text);
            if (changed.equals(text)) {
                accepted.add(i + " " + v.what() + ": the variant did not change the text (fixture broken)");
                continue;
            }
            try {
                ArmoredMessage.parse(changed);
                accepted.add(i + " " + v.what());
            } catch (MalformedPackageException expected) {
                // rejected, as it must be
            }
        }
        assertTrue(table.size() >= 40, "the table covers the forms: " + table.size());
        assertEquals(List.of(), accepted, "non-canonical variants accepted");
    }

    @Test
    void offsets_haveOneSpelling() throws Exception {
        assertEquals(0, ArmoredMessage.parseOffset("0"));
        assertEquals(Long.MAX_VALUE, ArmoredMessage.parseOffset(String.valueOf(Long.MAX_VALUE)));
        for (String bad : new String[] {"00", "+0", "-0", "-1", "9223372036854775808", " 1", "1 ", "\u0661"}) {
            try {
                ArmoredMessage.parseOffset(bad);
                throw new AssertionError("accepted offset '" + bad + "'");
            } catch (MalformedPackageException expected) {
                // fine
            }
        }
    }
}
