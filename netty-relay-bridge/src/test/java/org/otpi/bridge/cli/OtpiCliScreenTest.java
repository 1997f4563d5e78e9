package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 12, items 2 and 4: nothing faked on screen; what a messenger's user expects. */
class OtpiCliScreenTest {
    /** A header line: {@code [yyyy-MM-dd HH:mm:ss pad N] sender:}. */
    private static final Pattern HEADER = Pattern.compile("^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d pad \\d+] .*");

    @TempDir
    Path tmp;

    private CliHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new CliHarness(tmp);
        h.pairBoth();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private CliHarness.Run alice(String... args) {
        return h.run(h.aliceHome, CliHarness.lines(), args);
    }

    private CliHarness.Run bob(String... args) {
        return h.run(h.bobHome, CliHarness.lines(), args);
    }

    @Test
    void spoofingMessage_rendersAsOneMessageFromItsTrueSender() {
        String evil = "see you at 5\ncarol: alice is lying, meet me instead\u001b[2J\u001b]0;pwned\u0007\r"
                + "[2026-01-01 00:00:00 pad 1] carol: fake\u202etxt.exe" + " ".repeat(200) + "carol: wrapped";
        assertEquals(0, alice("send", "bob", evil).code());
        CliHarness.Run in = bob("inbox");
        String out = in.out();
        for (char c : new char[] {'\u001b', '\u0007', '\r', '\u202e'}) {
            assertFalse(out.indexOf(c) >= 0, "raw control character U+" + Integer.toHexString(c) + " reached the screen");
        }
        assertTrue(out.contains("\\x1b[2J") && out.contains("\\x1b]0;pwned\\x07") && out.contains("\\u202e"), out);
        List<String> lines = Arrays.asList(out.split("\n"));
        List<String> headers = lines.stream().filter(l -> HEADER.matcher(l).matches()).toList();
        assertEquals(1, headers.size(), "one message:\n" + out);
        assertTrue(headers.get(0).endsWith("] alice:"), headers.get(0));
        for (String l : lines) {
            assertFalse(l.startsWith("carol") || l.startsWith("[2026-01-01"), "a line passes for another sender: " + l);
        }
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(SafeText.INDENT + "carol: alice is lying")), out);
        assertTrue(out.contains("[200 spaces]"), "padding to wrap at the terminal's edge is shortened:\n" + out);
    }

    @Test
    void everyMessage_carriesItsTimeAndPadIndex() {
        assertEquals(0, alice("send", "bob", "first").code());
        assertEquals(0, alice("send", "bob", "second").code());
        CliHarness.Run in = bob("inbox");
        List<String> shown = Arrays.stream(in.out().split("\n")).filter(l -> l.contains("alice: ")).toList();
        assertEquals(2, shown.size(), in.out());
        assertTrue(HEADER.matcher(shown.get(0)).matches() && shown.get(0).contains(" pad 0] alice: first"), shown.get(0));
        assertTrue(shown.get(1).contains(" pad 37] alice: second"), shown.get(1));
    }

    @Test
    void history_keepsBothDirections_onTheLaptop() throws Exception {
        assertEquals(0, alice("send", "bob", "how are you?").code());
        assertEquals(0, bob("inbox").code());
        assertEquals(0, bob("send", "alice", "fine, thanks").code());
        CliHarness.Run bobs = bob("history", "alice");
        assertEquals(0, bobs.code());
        int asked = bobs.out().indexOf("alice: how are you?");
        int answered = bobs.out().indexOf("you -> alice: fine, thanks");
        assertTrue(asked >= 0 && answered > asked, bobs.out());
        CliHarness.Run alices = alice("history", "bob");
        assertTrue(alices.out().contains("you -> bob: how are you?"), alices.out());
        assertFalse(alices.out().contains("fine, thanks"), "not fetched by alice yet");
        assertTrue(alice("history", "nobody").out().contains("No messages with nobody in "), "a clear answer");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(h.bobHome.resolve("history.jsonl"))));
    }

    @Test
    void sendDash_readsTheMessageFromStandardInput() {
        CliHarness.Run s = h.run(h.aliceHome, CliHarness.lines("line one", "line two"), "send", "bob", "-");
        assertEquals(0, s.code(), s.out());
        CliHarness.Run in = bob("inbox");
        assertTrue(in.out().contains("] alice:\n" + SafeText.INDENT + "line one\n" + SafeText.INDENT + "line two\n"), in.out());
    }

    @Test
    void status_showsDevicePairingRelayAndPadPerContact() {
        CliHarness.Run s = alice("status");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("device    " + h.alice.base + "  answers (RPC v1), unlocked"), s.out());
        assertTrue(s.out().contains("paired    yes, as 'alice-laptop' with device 'alice'"), s.out());
        assertTrue(s.out().contains("relay     " + FakeRelay.URI + "  answers, you are 'alice'"), s.out());
        assertTrue(s.out().contains("outbox    empty"), s.out());
        assertTrue(s.out().matches("(?s).*  bob\\s+user bob\\s+send\\s+8,000,000\\s+receive\\s+8,000,000.*"), s.out());
        h.relay.down = true;
        CliHarness.Run down = alice("status");
        assertEquals(1, down.code());
        assertTrue(down.out().contains("relay     cannot reach the relay at " + FakeRelay.URI), down.out());
    }

    @Test
    void version_isTheSameOnEveryCommand_andCompletionIsGenerated() {
        for (String cmd : List.of("pair", "status", "contacts", "chat", "send", "inbox", "history", "seal-file", "open-file")) {
            CliHarness.Run v = alice(cmd, "--version");
            assertEquals(0, v.code(), cmd);
            assertEquals(OtpiCli.VERSION, v.out().strip(), cmd);
        }
        assertEquals(OtpiCli.VERSION, alice("--version").out().strip());
        CliHarness.Run completion = alice("generate-completion");
        assertEquals(0, completion.code());
        assertTrue(completion.out().contains("complete -F") && completion.out().contains("seal-file"), "a bash completion script");
        assertTrue(alice("--help").out().contains("generate-completion"));
    }

    @Test
    void largeFile_showsAProgressBarWithRateAndTimeLeft() throws Exception {
        Path big = tmp.resolve("big.bin");
        Files.write(big, new byte[5 * 1024 * 1024]);
        CliHarness.Run s = alice("seal-file", "bob", big.toString(), tmp.resolve("big.otpi").toString());
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("sealing") && s.out().contains("MiB/s") && s.out().contains("/5 MiB"), s.out());
        Path small = tmp.resolve("small.bin");
        Files.write(small, new byte[1000]);
        assertFalse(alice("seal-file", "bob", small.toString(), tmp.resolve("small.otpi").toString()).out().contains("MiB/s"));
    }
}
