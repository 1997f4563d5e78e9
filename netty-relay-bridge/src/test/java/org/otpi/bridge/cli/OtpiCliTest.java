package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.rpc.CountingApprover;
import org.otpi.appliance.rpc.FakeDeviceService;
import org.otpi.appliance.rpc.RpcFixture;
import picocli.CommandLine;

/** The {@code otpi} client against two real RPC servers (fake devices) and a fake relay. */
class OtpiCliTest {
    @TempDir
    Path tmp;

    private CliHarness h;
    private FakeRelay relay;
    private RpcFixture alice;
    private RpcFixture bob;
    private CountingApprover aliceApprover;
    private CountingApprover bobApprover;
    private Path aliceHome;
    private Path bobHome;

    @BeforeEach
    void setUp() throws Exception {
        h = new CliHarness(tmp);
        relay = h.relay;
        alice = h.alice;
        bob = h.bob;
        aliceApprover = h.aliceApprover;
        bobApprover = h.bobApprover;
        aliceHome = h.aliceHome;
        bobHome = h.bobHome;
    }

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    private CliHarness.Run run(Path home, InputStream stdin, String... args) {
        return h.run(home, stdin, args);
    }

    private static InputStream lines(String... lines) {
        return CliHarness.lines(lines);
    }

    private void pairBoth() {
        h.pairBoth();
    }

    @Test
    void pair_storesTheTokenPrivately_andAnUnfinishedPairingStoresNothing() throws Exception {
        CliHarness.Run wrong = run(aliceHome, lines("12"), "--device", alice.base.toString(), "pair");
        assertEquals(1, wrong.code());
        assertTrue(wrong.out().contains("A code is 8 digits, like 7638 2081: try again."), wrong.out());
        assertTrue(wrong.out().contains("Pairing not finished"), wrong.out());
        assertEquals(null, ClientHome.open(aliceHome).get(ClientHome.DEVICE_TOKEN));
        alice.codes.clear();
        pairBoth();
        Path props = aliceHome.resolve("client.properties");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(props)));
        assertTrue(Files.readString(props).contains("device.token="));
    }

    @Test
    void commandsBeforePairing_sayHowToPair() {
        CliHarness.Run r = run(aliceHome, lines(), "--device", alice.base.toString(), "--relay", "http://r", "send", "bob", "hi");
        assertEquals(2, r.code());
        assertTrue(r.out().contains("not paired with a device yet: run 'otpi pair' first"), r.out());
    }

    @Test
    void sendAndInbox_deliverOnce_andRememberTheReference() throws Exception {
        pairBoth();
        CliHarness.Run s = run(aliceHome, lines(), "send", "bob", "hello", "bob");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("Message sent to bob"), s.out());
        assertFalse(s.out().contains("hello"), "the relay package is not echoed as text");
        long refBefore = ClientHome.open(bobHome).lastRef();
        CliHarness.Run in = run(bobHome, lines(), "inbox");
        assertEquals(0, in.code(), in.out());
        assertTrue(in.out().contains("alice: hello bob"), in.out());
        assertTrue(in.out().contains("1 new message."), in.out());
        CliHarness.Run again = run(bobHome, lines(), "inbox");
        assertTrue(again.out().contains("0 new messages."), again.out());
        assertFalse(again.out().contains("hello bob"));
        long ref = relay.all().get(relay.all().size() - 1).ref();
        assertTrue(ref > refBefore);
        assertEquals(ref, ClientHome.open(bobHome).lastRef());
        assertTrue(relay.acks.contains(ref));
        assertEquals(0, bob.device.keptCount("alice"), "stored in the history, so the device was told to forget it");
    }

    @Test
    void inbox_showsReplayAndSkipWarnings_fromTheDevice() throws Exception {
        pairBoth();
        run(aliceHome, lines(), "send", "bob", "one");
        run(aliceHome, lines(), "send", "bob", "two");
        List<RelayMessage> sent = relay.all();
        // the relay drops "one", delivers "two", then replays "two" under a new reference
        CliHarness.Run first = runInboxAfter(bobHome, 1);
        assertTrue(first.out().contains("alice: two"), first.out());
        assertTrue(first.out().contains("were skipped"), first.out());
        relay.inject("alice", "bob", sent.get(1).packageB64());
        CliHarness.Run replay = run(bobHome, lines(), "inbox");
        assertTrue(replay.out().contains("possible replay"), replay.out());
        assertFalse(replay.out().contains("alice: two"), replay.out());
        // a forged package claiming to be from alice
        relay.inject("alice", "bob", java.util.Base64.getEncoder().encodeToString("Fjunkjunkjunkjunkjunkjunkjunk".getBytes()));
        CliHarness.Run forged = run(bobHome, lines(), "inbox");
        assertTrue(forged.out().contains("Could not open the message from alice"), forged.out());
    }

    private CliHarness.Run runInboxAfter(Path home, long skipRef) throws Exception {
        ClientHome.open(home).advanceRef(skipRef);
        return run(home, lines(), "inbox");
    }

    @Test
    void openDeniedOnTheDevice_isKept_andShownOnALaterFetch() throws Exception {
        pairBoth();
        run(aliceHome, lines(), "send", "bob", "one");
        bobApprover.mode(CountingApprover.Mode.DENY);
        CliHarness.Run denied = run(bobHome, lines(), "inbox");
        assertTrue(denied.out().contains("denied on the device"), denied.out());
        assertTrue(denied.out().contains("tried again"), denied.out());
        assertFalse(relay.acks.contains(1L), "not acknowledged: it stays on the relay");
        run(aliceHome, lines(), "send", "bob", "two");
        bobApprover.mode(CountingApprover.Mode.APPROVE);
        CliHarness.Run later = run(bobHome, lines(), "inbox");
        assertTrue(later.out().contains("alice: one"), later.out());
        assertTrue(later.out().contains("alice: two"), later.out());
        assertTrue(later.out().contains("2 new messages."), later.out());
        assertTrue(ClientHome.open(bobHome).retryRefs().isEmpty());
        CliHarness.Run none = run(bobHome, lines(), "inbox");
        assertTrue(none.out().contains("0 new messages."), none.out());
    }

    @Test
    void denied_onTheDevice_nothingIsSent() throws Exception {
        pairBoth();
        aliceApprover.mode(CountingApprover.Mode.DENY);
        CliHarness.Run s = run(aliceHome, lines(), "send", "bob", "secret");
        assertEquals(1, s.code());
        assertTrue(s.out().contains("denied on the device"), s.out());
        assertTrue(relay.all().isEmpty());
        assertEquals(0, alice.device.sealCalls.get());
    }

    @Test
    void chat_sendMsGroupGsUsers_andLiveReceive() throws Exception {
        pairBoth();
        // bob registers on the relay first, so alice's "users" sees him
        assertEquals(0, run(bobHome, lines(), "inbox").code());
        CliHarness.Run chat = run(aliceHome, lines(
                "help",
                "send bob hi there",
                "ms bob,carol to you both",
                "group team bob,carol",
                "gs team team news",
                "gs nobody x",
                "users",
                "bogus",
                "quit"), "chat");
        assertEquals(0, chat.code(), chat.out());
        String o = chat.out();
        assertTrue(o.contains("Welcome to OTPi chat as alice"), o);
        assertTrue(o.contains("ms USER1,USER2 MESSAGE"), o);
        assertTrue(o.contains("Message sent to bob"), o);
        assertTrue(o.contains("Message sent to carol"), o);
        assertTrue(o.contains("Group team = bob,carol"), o);
        assertTrue(o.contains("No group nobody"), o);
        assertTrue(o.contains("  bob"), o);
        assertTrue(o.contains("Unknown command 'bogus'"), o);
        assertEquals(3, relay.all().stream().filter(m -> m.to().equals("bob")).count());
        assertEquals("bob,carol", String.join(",", ClientHome.open(aliceHome).groups().get("team")));

        // bob's chat: backlog on start, then a live message pushed while it runs
        java.io.PipedOutputStream keyboard = new java.io.PipedOutputStream();
        java.io.PipedInputStream bobStdin = new java.io.PipedInputStream(keyboard);
        StringWriter bobOut = new StringWriter();
        CommandLine bobCli = OtpiCli.commandLine(new OtpiCli(relay, bobStdin));
        bobCli.setOut(new PrintWriter(bobOut, true));
        Thread t = new Thread(() -> bobCli.execute("--home", bobHome.toString(), "chat"));
        t.start();
        waitFor(bobOut, "alice: team news");
        assertTrue(bobOut.toString().contains("alice: hi there"));
        assertTrue(bobOut.toString().contains("alice: to you both"));
        assertEquals(0, run(aliceHome, lines(), "send", "bob", "live one").code());
        waitFor(bobOut, "alice: live one");
        // the relay pushes the same message again: shown once, and the device is not asked again
        int opensBefore = bob.device.openCalls.get();
        relay.redeliver(relay.all().get(relay.all().size() - 1));
        assertEquals(0, run(aliceHome, lines(), "send", "bob", "live two").code());
        waitFor(bobOut, "alice: live two");
        assertEquals(1, bobOut.toString().split("alice: live one", -1).length - 1);
        assertEquals(opensBefore + 1, bob.device.openCalls.get());
        keyboard.write("quit\n".getBytes(StandardCharsets.UTF_8));
        keyboard.flush();
        t.join(10_000);
        assertFalse(t.isAlive());
    }

    private static void waitFor(StringWriter out, String text) throws InterruptedException {
        long end = System.currentTimeMillis() + 10_000;
        while (!out.toString().contains(text)) {
            assertTrue(System.currentTimeMillis() < end, "never printed: " + text + "\n" + out);
            Thread.sleep(20);
        }
    }

    @Test
    void sealFileAndOpenFile_roundTrip_andTamperedFileLeavesNoOutput() throws Exception {
        pairBoth();
        byte[] data = new byte[200_000];
        new java.util.Random(1).nextBytes(data);
        Path plain = tmp.resolve("plan.bin");
        Files.write(plain, data);
        Path sealed = tmp.resolve("plan.otpi");
        CliHarness.Run s = run(aliceHome, lines(), "seal-file", "bob", plain.toString(), sealed.toString());
        assertEquals(0, s.code(), s.out());
        assertFalse(java.util.Arrays.equals(data, Files.readAllBytes(sealed)));
        byte[] tampered = Files.readAllBytes(sealed);
        tampered[tampered.length - 3] ^= 1;
        Path bad = tmp.resolve("bad.otpi");
        Files.write(bad, tampered);
        Path badOut = tmp.resolve("bad.out");
        CliHarness.Run b = run(bobHome, lines(), "open-file", "alice", bad.toString(), badOut.toString());
        assertEquals(1, b.code(), b.out());
        assertTrue(b.out().contains("failed authentication"), b.out());
        assertFalse(Files.exists(badOut), "no output for an unauthenticated file");
        Path opened = tmp.resolve("plan.out");
        CliHarness.Run o = run(bobHome, lines(), "open-file", "alice", sealed.toString(), opened.toString());
        assertEquals(0, o.code(), o.out());
        assertArrayEquals(data, Files.readAllBytes(opened));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temp files left");
        }
    }

    @Test
    void contacts_listsRemainingPad() {
        pairBoth();
        CliHarness.Run r = run(aliceHome, lines(), "contacts");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("bob"), r.out());
        assertTrue(r.out().contains(String.valueOf(CliHarness.PAD)), r.out());
    }
}
