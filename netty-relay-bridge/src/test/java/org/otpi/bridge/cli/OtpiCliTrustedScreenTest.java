package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.ApprovalRequest;
import org.otpi.protocol.rpc.FileFingerprint;

/**
 * The laptop's side of the trusted screen (issue 14), against real RPC servers in front of fake
 * devices and a fake relay: a message read on the device is announced without its text and
 * nothing of it is stored here; messages written on the device go out with {@code otpi outbox},
 * {@code inbox} and {@code chat} by themselves, exactly once even when the device never heard
 * the relay took them; {@code seal-file} prints the fingerprint the device's screen shows.
 */
class OtpiCliTrustedScreenTest {
    @TempDir
    Path tmp;
    private CliHarness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new CliHarness(tmp);
        h.alice.server.screen(true);
        h.bob.server.screen(true);
        h.pairBoth();
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    @Test
    void readOnTheDevice_theLaptopSaysWhereToReadIt_andKeepsNoText() throws Exception {
        h.bob.device.readOnDevice.add("alice");
        String secret = "only bob's screen may show this";
        assertEquals(0, h.run(h.aliceHome, CliHarness.lines(), "send", "bob", secret).code());
        CliHarness.Run in = h.run(h.bobHome, CliHarness.lines(), "inbox");
        assertEquals(0, in.code(), in.out());
        assertTrue(in.out().contains("] alice: (read on the device only: its text is on the device's screen, never on"
                + " this laptop)"), in.out());
        assertFalse(in.out().contains(secret), in.out());
        assertEquals(java.util.List.of(secret), h.bob.device.keptOnDevice, "the device has it");
        assertTrue(h.bob.device.keptOnDevice.size() == 1);
        String history = Files.readString(h.bobHome.resolve("history.jsonl"), StandardCharsets.UTF_8);
        assertTrue(history.contains("\"onDevice\":true"), history);
        assertFalse(history.contains("only bob's screen"), "nothing of the text on this laptop");
        // a second fetch shows nothing again (acknowledged at the relay)
        CliHarness.Run again = h.run(h.bobHome, CliHarness.lines(), "inbox");
        assertTrue(again.out().contains("0 new messages."), again.out());
    }

    @Test
    void writtenOnTheDevice_goesOutWithOutboxInboxAndChat_exactlyOnce() throws Exception {
        h.alice.device.writeOnDevice("bob", "first, written on alice's screen");
        CliHarness.Run status = h.run(h.aliceHome, CliHarness.lines(), "status");
        assertTrue(status.out().contains("1 message(s) written on the device wait to be carried"), status.out());
        CliHarness.Run out = h.run(h.aliceHome, CliHarness.lines(), "outbox");
        assertEquals(0, out.code(), out.out());
        assertTrue(out.out().contains("Carried the message written on the device for bob"), out.out());
        assertTrue(out.out().contains("1 carried to the relay"), out.out());
        assertTrue(h.alice.device.outgoing().isEmpty(), "acknowledged to the device");

        // the device goes away right after the relay took the second one: it is carried again, stored once
        h.alice.device.writeOnDevice("bob", "second, the ack is lost");
        h.alice.device.failOutboxAcks = true;
        h.run(h.aliceHome, CliHarness.lines(), "outbox");
        h.alice.device.failOutboxAcks = false;
        assertEquals(1, h.alice.device.outgoing().size());
        CliHarness.Run inbox = h.run(h.aliceHome, CliHarness.lines(), "inbox"); // inbox carries it by itself
        assertTrue(inbox.out().contains("Carried the message written on the device for bob"), inbox.out());
        assertTrue(h.alice.device.outgoing().isEmpty());
        assertEquals(2, h.relay.all().stream().filter(m -> m.to().equals("bob")).count(), "the relay stored each once");

        // chat picks up what is written while it runs (an empty line here; a timer too)
        h.alice.device.writeOnDevice("bob", "third, during a chat");
        CliHarness.Run chat = h.run(h.aliceHome, CliHarness.lines("", "quit"), "chat");
        assertTrue(chat.out().contains("Carried the message written on the device for bob"), chat.out());

        CliHarness.Run bob = h.run(h.bobHome, CliHarness.lines(), "inbox");
        for (String t : new String[] {"first, written on alice's screen", "second, the ack is lost", "third, during a chat"}) {
            assertEquals(1, bob.out().lines().filter(l -> l.endsWith("] alice: " + t)).count(), bob.out());
        }
        CliHarness.Run history = h.run(h.aliceHome, CliHarness.lines(), "history", "bob");
        assertEquals(3, history.out().lines().filter(l -> l.contains("written on the device: its text never reached this"
                + " laptop")).count(), history.out());
        assertFalse(history.out().contains("first, written"), "the laptop never had the text");
    }

    @Test
    void sealFile_printsTheFingerprintTheDeviceShows() throws Exception {
        byte[] data = new byte[70_000];
        new java.util.Random(4).nextBytes(data);
        Path plain = tmp.resolve("plans.pdf");
        Files.write(plain, data);
        String sha = java.util.HexFormat.of().formatHex(FileFingerprint.digest().digest(data));
        CliHarness.Run s = h.run(h.aliceHome, CliHarness.lines(), "seal-file", "bob", plain.toString(),
                tmp.resolve("plans.otpi").toString());
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("Fingerprint of plans.pdf: " + FileFingerprint.shortForm(sha)), s.out());
        ApprovalRequest asked = h.aliceApprover.requests.get(h.aliceApprover.requests.size() - 1);
        assertEquals(FileFingerprint.shortForm(sha), asked.details().fingerprint(), "the device shows the same");
        assertEquals("plans.pdf", asked.details().fileName());
    }
}
