package org.otpi.protocol.kiosk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpi.protocol.kiosk.KioskMessage.*;

class KioskCodecTest {

    @Test
    void everyMessage_roundTrips() throws IOException {
        List<KioskMessage> all = List.of(
                new Lock(1), new GetStatus(2), new GetContacts(3), new GeneratePad(4, "alice", 1 << 20),
                new CancelGenerate(5, 4), new ImportPad(6, "/media/x.pad"), new ExportBackup(7, "/media/b", "long passphrase".toCharArray()),
                new DeletePad(8, "bob"), new ExpirePad(9, "bob"), new GetLog(10, 3, 50), new GetGrants(11),
                new KioskMessage.Grant(12, "alice", 4096, 30), new Revoke(13, "g1"), new RevokeClient(13, "laptop-a"), new Decide(14, "r1", true),
                Done.ok(15), Done.failed(16, "no"),
                new UnlockReply(17, new Views.UnlockResult(Views.UnlockResult.Outcome.WRONG, 2000, 7)),
                new StatusReply(18, new Views.Status("otpi-1", true, List.of("laptop"),
                        List.of(new Views.Tunnel("site", "10.0.0.2", true, 99)),
                        List.of(new Views.EntropySource("hrng", false, "RCT failed")), "")),
                new ContactsReply(19, List.of(new Views.Contact("alice", "ab", 1, 2, 3, 4, true, "kernel", false))),
                new LogReply(20, List.of(new Views.LogEntry(1, 5, "forgery", "alice", "bad tag"))),
                new GrantsReply(21, List.of(new Views.Grant("g", "alice", 10, 2, 99), new Views.Grant("h", "bob", 100, 70, 99, 40))),
                new Progress(22, 5, 10),
                new ApprovalPrompt("r", "laptop", "alice", "SEAL", 5, 37, 100, 123456),
                new ApprovalClosed("r", false, "timeout"), new Changed("contacts"), new Alarm("tamper"),
                new PairingCode("laptop-1", "01234567", 1_800_000_000_000L), new PairingCleared("laptop-1"),
                new CreateVault(23, "alice-pi", "2468".toCharArray()),
                new StatusReply(24, new Views.Status("", false, List.of(), List.of(), List.of(), "", Views.VaultState.SETUP_NEEDED)),
                new StatusReply(25, new Views.Status("", false, List.of(), List.of(), List.of(), "", Views.VaultState.NO_MEDIUM)),
                new ExchangeSend(26, "bob-pi", "/media/otpi-usb"),
                new ExchangeReceive(27, "/media/otpi-usb", "7K3QM-2XW9P".toCharArray()),
                new ExchangeSent(26, "bob-pi", "bob-pi", 1 << 20, "7K3QM-2XW9P", List.of("a", "b", "c", "d", "e", "f")),
                new ExchangeReceived(27, "alice-pi", 1 << 20, List.of("a", "b", "c", "d", "e", "f")));
        for (KioskMessage m : all) {
            String line = KioskCodec.encode(m);
            assertFalse(line.contains("\n"), line);
            assertEquals(m, KioskCodec.decode(line), line);
        }
        Unlock u = (Unlock) KioskCodec.decode(KioskCodec.encode(new Unlock(1, "1234".toCharArray())));
        assertArrayEquals("1234".toCharArray(), u.pin());
        assertFalse(u.toString().contains("1234"));
    }

    @Test
    void trustedScreenMessages_roundTrip_andTheirTextNeverReachesToString() throws IOException {
        String text = java.util.Base64.getEncoder().encodeToString("meet at 11".getBytes(StandardCharsets.UTF_8));
        List<KioskMessage> all = List.of(
                new ApprovalPrompt("r", "laptop", "bob", "bob-pi", "SEAL", 10, false, 42, 900, 5, text, "", "", false),
                new ApprovalPrompt("r", "laptop", "bob", "bob-pi", "SEAL_FILE", 99, false, 131, 900, 5, "", "a.pdf",
                        "3f2a 9c01 77be 0d4e", false),
                new Decide(1, "r", true, true), new Decide(2, "r", false),
                new GetInbox(3), new ReadMessage(4, "0a1b"), new DestroyMessage(5, "0a1b"), new SetKeep(6, 60),
                new Compose(7, "bob", "meet at 11"), new SetReadOnDevice(8, "bob", true), new SkipAhead(9, "bob", 4096),
                new InboxReply(3, List.of(new Views.DeviceMessage("0a1b", "bob", 5, 0, 10)), 1, 10_080),
                new MessageText(4, "0a1b", "bob", text), new Composed(7, "bob", 42, 16, 900),
                new ContactsReply(10, List.of(new Views.Contact("bob", "ab", 1, 2, 3, 4, false, "imported", false, "bob-pi",
                        true, true))),
                new ApprovalClosed("r", false, ApprovalClosed.LAPTOP_GONE), new Changed("inbox"));
        for (KioskMessage m : all) {
            String line = KioskCodec.encode(m);
            assertEquals(m, KioskCodec.decode(line), line);
            assertFalse(m.toString().contains("meet at 11") || m.toString().contains(text), m.toString());
        }
        // Decide without onDevice, a prompt without its content fields: refused (strict, both ship together)
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"decide\",\"id\":1,\"requestId\":\"r\",\"approve\":true}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"approval\",\"requestId\":\"r\",\"client\":\"c\","
                + "\"contact\":\"a\",\"operation\":\"SEAL\",\"messageLength\":1,\"padBytes\":33,\"padRemainingAfter\":0,"
                + "\"deadlineEpochMillis\":5}"));
    }

    @Test
    void visibleText_marksEverythingThatWouldNotShowItself() {
        String[][] table = {
                // input (Java escapes)              shown
                {"plain text", "plain text"},
                {"two\nlines", "two↵\nlines"},
                {"tab\tcr\r", "tab\\tcr\\r"},
                {"esc\u001b[2J", "esc\\x1b[2J"},
                {"del\u007f c1\u0085", "del\\x7f c1\\x85"},
                {"bidi\u202eevil", "bidi\\u202eevil"},
                {"zw\u200bj", "zw\\u200bj"},
                {"nbsp\u00a0em\u2003", "nbsp\\u00a0em\\u2003"},
                {"ls\u2028ps\u2029", "ls\\u2028ps\\u2029"},
                {"bom\ufeff", "bom\\ufeff"},
                {"hangul\u3164filler", "hangul\\u3164filler"},
                {"emoji \ud83d\ude00 ok", "emoji \ud83d\ude00 ok"},
                {"accents é ü ñ", "accents é ü ñ"},
                {"typed \\x1b stays", "typed \\x1b stays"},
        };
        for (String[] row : table) {
            assertEquals(row[1], VisibleText.plain(row[0].getBytes(StandardCharsets.UTF_8)), row[0]);
        }
        // a typed backslash is text, an escape is a mark: the screen draws them apart
        List<VisibleText.Run> runs = VisibleText.runs("a\\x1b\u001bb".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of(new VisibleText.Run("a\\x1b", false), new VisibleText.Run("\\x1b", true),
                new VisibleText.Run("b", false)), runs);
        // bytes that are not UTF-8, one mark each
        assertEquals("ok\\xff\\xfe!", VisibleText.plain(new byte[] {'o', 'k', (byte) 0xff, (byte) 0xfe, '!'}));
        assertEquals("cut\\xe2\\x82", VisibleText.plain(new byte[] {'c', 'u', 't', (byte) 0xe2, (byte) 0x82}));
        assertEquals(3, VisibleText.lines("a\nb\nc".getBytes(StandardCharsets.UTF_8)));
        assertEquals("bob\\nmallory", VisibleText.name("bob\nmallory"));
        // 10,000 control characters: bounded runs, nothing lost
        byte[] many = new byte[10_000];
        java.util.Arrays.fill(many, (byte) 1);
        List<VisibleText.Run> capped = VisibleText.runs(many);
        assertTrue(capped.size() <= VisibleText.MAX_RUNS);
        assertEquals("\\x01".repeat(10_000), String.join("", capped.stream().map(VisibleText.Run::text).toList()));
    }

    @Test
    void secrets_roundTripButNeverReachToString() throws IOException {
        String line = KioskCodec.encode(new PairingCode("laptop", "00731234", 99));
        assertEquals("{\"type\":\"pairing-code\",\"client\":\"laptop\",\"code\":\"00731234\",\"expiresEpochMillis\":99}", line);
        PairingCode c = (PairingCode) KioskCodec.decode(line);
        assertEquals("00731234", c.code(), "leading zeros kept: the code is a string");
        assertFalse(c.toString().contains("00731234"));
        assertEquals(new PairingCleared("laptop"), KioskCodec.decode("{\"type\":\"pairing-cleared\",\"client\":\"laptop\"}"));

        ExportBackup e = (ExportBackup) KioskCodec.decode(KioskCodec.encode(
                new ExportBackup(3, "/media/usb", "correct horse battery".toCharArray())));
        assertArrayEquals("correct horse battery".toCharArray(), e.passphrase());
        assertEquals("/media/usb", e.target());
        assertFalse(e.toString().contains("horse"));
        // the old form without a passphrase, and a code without its expiry, are refused
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"export\",\"id\":1,\"target\":\"/m\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"pairing-code\",\"client\":\"a\",\"code\":\"1\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"pairing-code\",\"client\":\"a\",\"code\":\"1\",\"expiresEpochMillis\":1,\"x\":0}"));
    }

    @Test
    void exchange_roundTripsWithTheCode_butNeverPrintsIt() throws IOException {
        String line = KioskCodec.encode(new ExchangeReceive(5, "/media/otpi-usb", "7K3QM-2XW9P".toCharArray()));
        assertEquals("{\"type\":\"exchange-receive\",\"id\":5,\"source\":\"/media/otpi-usb\",\"code\":\"7K3QM-2XW9P\"}", line);
        ExchangeReceive r = (ExchangeReceive) KioskCodec.decode(line);
        assertArrayEquals("7K3QM-2XW9P".toCharArray(), r.code());
        assertFalse(r.toString().contains("7K3QM"), r.toString());
        assertTrue(r.toString().contains("/media/otpi-usb"));

        List<String> words = List.of("acorn", "river", "maple", "tiger", "ocean", "violet");
        String sent = KioskCodec.encode(new ExchangeSent(6, "bob-pi", "bob-pi", 4096, "0AB12-CDEFG", words));
        ExchangeSent s = (ExchangeSent) KioskCodec.decode(sent);
        assertEquals("0AB12-CDEFG", s.code(), "leading zero kept: the code is a string");
        assertEquals(words, s.fingerprint());
        assertFalse(s.toString().contains("0AB12"), s.toString());
        assertTrue(s.toString().contains("acorn"), "the words are not secret");
        assertEquals(new ExchangeSend(7, "bob-pi", "/media/otpi-usb"),
                KioskCodec.decode("{\"type\":\"exchange-send\",\"id\":7,\"contact\":\"bob-pi\",\"target\":\"/media/otpi-usb\"}"));
        // without the code, the words, or with something extra: refused
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"exchange-receive\",\"id\":5,\"source\":\"/m\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode(sent.replace(",\"fingerprint\":[\"acorn\",\"river\",\"maple\",\"tiger\",\"ocean\",\"violet\"]", "")));
        assertThrows(IOException.class, () -> KioskCodec.decode(sent.replace("\"code\"", "\"x\":1,\"code\"")));
        assertThrows(IOException.class, () -> KioskCodec.decode(sent.replace("[\"acorn\"", "[null")),
                "a null word is refused, not shown as 'null'");
    }

    @Test
    void createVault_roundTripsWithThePin_butNeverPrintsIt() throws IOException {
        String line = KioskCodec.encode(new CreateVault(4, "alice-pi", "97531".toCharArray()));
        assertEquals("{\"type\":\"create-vault\",\"id\":4,\"deviceId\":\"alice-pi\",\"pin\":\"97531\"}", line);
        CreateVault c = (CreateVault) KioskCodec.decode(line);
        assertArrayEquals("97531".toCharArray(), c.pin());
        assertEquals("alice-pi", c.deviceId());
        assertFalse(c.toString().contains("97531"), c.toString());
        assertTrue(c.toString().contains("alice-pi"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"create-vault\",\"id\":4,\"deviceId\":\"a\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"create-vault\",\"id\":4,\"pin\":\"1234\"}"));
    }

    @Test
    void status_carriesTheVaultState_andRefusesAContradiction() throws IOException {
        String setup = KioskCodec.encode(new StatusReply(1, new Views.Status("", false, List.of(), List.of(), List.of(), "",
                Views.VaultState.SETUP_NEEDED)));
        assertTrue(setup.contains("\"vault\":\"SETUP_NEEDED\""), setup);
        assertEquals(Views.VaultState.SETUP_NEEDED, ((StatusReply) KioskCodec.decode(setup)).status().vault());
        // the six-argument form (every caller before first-run setup) means a vault is there
        assertEquals(Views.VaultState.LOCKED, new Views.Status("d", false, List.of(), List.of(), List.of(), "").vault());
        assertEquals(Views.VaultState.UNLOCKED, new Views.Status("d", true, List.of(), List.of(), List.of(), "").vault());
        assertThrows(IllegalArgumentException.class,
                () -> new Views.Status("d", true, List.of(), List.of(), List.of(), "", Views.VaultState.LOCKED));
        // on the wire: a contradiction, an unknown state, a missing or null state are all refused
        assertThrows(IOException.class, () -> KioskCodec.decode(setup.replace("\"unlocked\":false", "\"unlocked\":true")));
        assertThrows(IOException.class, () -> KioskCodec.decode(setup.replace("SETUP_NEEDED", "MAYBE")));
        assertThrows(IOException.class, () -> KioskCodec.decode(setup.replace(",\"vault\":\"SETUP_NEEDED\"", "")));
        assertThrows(IOException.class, () -> KioskCodec.decode(setup.replace("\"SETUP_NEEDED\"", "null")));
    }

    @Test
    void strictParsing_rejectsUnknownMissingAndWrongTypes() {
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"lock\",\"id\":1,\"x\":2}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"nope\",\"id\":1}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"lock\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"lock\",\"id\":null}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"lock\",\"id\":\"1\"}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"type\":\"lock\",\"id\":1} {}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("{\"id\":1}"));
        assertThrows(IOException.class, () -> KioskCodec.decode("[]"));
    }

    /** Seeded mutations of valid lines: decode returns a message or throws IOException, never
     *  anything else (a RuntimeException would escape the session's error handling). */
    @Test
    void mutatedLines_failOnlyWithIOException() {
        List<String> valid = List.of(
                KioskCodec.encode(new Unlock(1, "1234".toCharArray())),
                KioskCodec.encode(new KioskMessage.Grant(2, "alice", 4096, 30)),
                KioskCodec.encode(new StatusReply(3, new Views.Status("d", true, List.of("a"), List.of(), List.of(), ""))),
                KioskCodec.encode(new ApprovalPrompt("r", "c", "alice", "SEAL", 1, 33, 0, 5)),
                KioskCodec.encode(new PairingCode("laptop", "12345678", 5)),
                KioskCodec.encode(new CreateVault(6, "alice-pi", "1234".toCharArray())),
                KioskCodec.encode(new StatusReply(7, new Views.Status("", false, List.of(), List.of(), List.of(), "",
                        Views.VaultState.SETUP_NEEDED))),
                KioskCodec.encode(new ExportBackup(5, "/media/usb", "passphrase12".toCharArray())),
                KioskCodec.encode(new ExchangeReceive(8, "/media/usb", "7K3QM2XW9P".toCharArray())),
                KioskCodec.encode(new ExchangeSent(9, "b", "b", 64, "7K3QM-2XW9P", List.of("x", "y"))),
                KioskCodec.encode(new ContactsReply(4, List.of(new Views.Contact("a", "b", 1, 2, 3, 4, false, "k", false)))));
        String alphabet = "{}[]\":,0123456789-.eEtruefalsnl \\u0000abcxyz";
        java.util.Random random = new java.util.Random(20261123L);
        int parsed = 0;
        for (int i = 0; i < 5_000; i++) {
            StringBuilder b = new StringBuilder(valid.get(random.nextInt(valid.size())));
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits && b.length() > 0; e++) {
                int at = random.nextInt(b.length());
                switch (random.nextInt(3)) {
                    case 0 -> b.deleteCharAt(at);
                    case 1 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                    default -> b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                }
            }
            try {
                KioskCodec.decode(b.toString());
                parsed++;
            } catch (IOException expected) {
                // refused: fine
            } catch (RuntimeException e) {
                throw new AssertionError("seed case " + i + " threw " + e + " for " + b, e);
            }
        }
        assertTrue(parsed > 0, "some mutations are still valid messages");
    }

    @Test
    void lineReader_splitsLines_andRefusesOverlongOnes() throws IOException {
        byte[] two = "{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8);
        var r = new KioskCodec.LineReader(Channels.newChannel(new ByteArrayInputStream(two)));
        assertEquals("{\"a\":1}", r.readLine());
        assertEquals("{\"b\":2}", r.readLine());
        assertNull(r.readLine());

        byte[] big = ("x".repeat(KioskCodec.MAX_LINE + 1) + "\n").getBytes(StandardCharsets.UTF_8);
        var r2 = new KioskCodec.LineReader(Channels.newChannel(new ByteArrayInputStream(big)));
        assertThrows(IOException.class, r2::readLine);

        byte[] exact = ("y".repeat(KioskCodec.MAX_LINE) + "\n").getBytes(StandardCharsets.UTF_8);
        var r3 = new KioskCodec.LineReader(Channels.newChannel(new ByteArrayInputStream(exact)));
        assertEquals(KioskCodec.MAX_LINE, r3.readLine().length());

        var r4 = new KioskCodec.LineReader(Channels.newChannel(new ByteArrayInputStream("{\"a\"".getBytes())));
        assertThrows(IOException.class, r4::readLine);
    }
}
