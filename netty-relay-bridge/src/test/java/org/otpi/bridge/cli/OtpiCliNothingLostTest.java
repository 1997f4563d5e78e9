package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.rpc.FakeDeviceService;

/** Issue 12, item 1: no operation that burns pad or opens a package loses its result. */
class OtpiCliNothingLostTest {
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

    private long alicePadLeft() throws Exception {
        return h.alice.device.contacts().stream().filter(c -> c.name().equals("bob")).findFirst().orElseThrow().sendRemaining();
    }

    @Test
    void badOutputPath_sealFileAndOpenFile_touchNothing_thenTheRightPathWorks_withoutReplayWarning() throws Exception {
        byte[] data = "the plan, in a file".getBytes(StandardCharsets.UTF_8);
        Path plain = tmp.resolve("plan.txt");
        Files.write(plain, data);

        CliHarness.Run noDir = alice("seal-file", "bob", plain.toString(), tmp.resolve("no-such-dir/plan.otpi").toString());
        assertEquals(2, noDir.code(), noDir.out());
        assertTrue(noDir.out().contains("the directory " + tmp.resolve("no-such-dir") + " does not exist"), noDir.out());
        assertTrue(noDir.out().contains("Nothing was sealed, no pad used"), noDir.out());
        CliHarness.Run itself = alice("seal-file", "bob", plain.toString(), plain.toString(), "--force");
        assertEquals(2, itself.code(), itself.out());
        assertTrue(itself.out().contains("is the input file itself"), itself.out());
        assertArrayEquals(data, Files.readAllBytes(plain), "a package never replaces its own plaintext");
        Path taken = tmp.resolve("taken.otpi");
        Files.writeString(taken, "someone else's file");
        CliHarness.Run exists = alice("seal-file", "bob", plain.toString(), taken.toString());
        assertEquals(2, exists.code(), exists.out());
        assertTrue(exists.out().contains(taken + " already exists: choose another name, or add --force to replace it"), exists.out());
        assertEquals("someone else's file", Files.readString(taken));
        assertEquals(0, h.alice.device.sealCalls.get(), "no pad burnt");
        assertTrue(h.aliceApprover.requests.isEmpty(), "the person was not even asked");
        assertEquals(CliHarness.PAD, alicePadLeft());

        Path sealed = tmp.resolve("plan.otpi");
        CliHarness.Run ok = alice("seal-file", "bob", plain.toString(), sealed.toString());
        assertEquals(0, ok.code(), ok.out());
        assertTrue(ok.out().contains("How it reaches bob: give them " + sealed), ok.out());
        assertTrue(ok.out().contains("otpi open-file alice plan.otpi plan.txt"), ok.out());
        assertEquals(1, h.alice.device.sealCalls.get());

        Path badOut = tmp.resolve("missing/plan.txt");
        CliHarness.Run notOpened = bob("open-file", "alice", sealed.toString(), badOut.toString());
        assertEquals(2, notOpened.code(), notOpened.out());
        assertTrue(notOpened.out().contains("does not exist") && notOpened.out().contains("Nothing was opened"), notOpened.out());
        CliHarness.Run intoInput = bob("open-file", "alice", sealed.toString(), sealed.toString(), "--force");
        assertEquals(2, intoInput.code(), intoInput.out());
        assertEquals(0, h.bob.device.openCalls.get(), "nothing opened");
        assertTrue(h.bobApprover.requests.isEmpty());

        Path opened = tmp.resolve("plan-from-alice.txt");
        CliHarness.Run good = bob("open-file", "alice", sealed.toString(), opened.toString());
        assertEquals(0, good.code(), good.out());
        assertArrayEquals(data, Files.readAllBytes(opened));
        assertFalse(good.out().contains("WARNING"), "no replay warning: the failed attempts never reached the device\n" + good.out());
        try (Stream<Path> files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temp files left");
        }
    }

    @Test
    void relayDownDuringSend_thenUp_theMessageArrivesOnce_andThePadUsedIsOneSeal() throws Exception {
        h.relay.failNextSends.set(2); // the relay goes down after the pre-checks, before the send
        String text = "sent while the relay was down";
        CliHarness.Run down = alice("send", "bob", text);
        assertEquals(1, down.code(), down.out());
        assertTrue(down.out().contains("Sealed for bob but not delivered yet: cannot reach the relay at " + FakeRelay.URI),
                down.out());
        assertTrue(down.out().contains("no more pad is used"), down.out());
        Path outbox = h.aliceHome.resolve("outbox");
        try (Stream<Path> s = Files.list(outbox)) {
            List<Path> waiting = s.toList();
            assertEquals(1, waiting.size());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(waiting.get(0))));
            assertFalse(Files.readString(waiting.get(0)).contains(text), "the outbox holds ciphertext only");
        }
        CliHarness.Run stillDown = alice("inbox");
        assertTrue(stillDown.out().contains("1 sealed message(s) still wait in the outbox: cannot reach the relay at"),
                stillDown.out());

        CliHarness.Run up = alice("inbox"); // relay back: the same package goes out
        assertTrue(up.out().contains("Delivered the message for bob sealed earlier"), up.out());
        CliHarness.Run read = bob("inbox");
        assertTrue(read.out().contains("alice: " + text), read.out());
        assertTrue(read.out().contains("1 new message."), read.out());
        assertEquals(1, h.relay.all().stream().filter(m -> m.to().equals("bob")).count(), "arrived once");
        assertEquals(1, h.alice.device.sealCalls.get(), "sealed once");
        assertEquals(CliHarness.PAD - (text.length() + FakeDeviceService.OVERHEAD), alicePadLeft(), "pad used = one seal");
        try (Stream<Path> s = Files.list(outbox)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void relayStoresASend_butTheAnswerIsLost_theRetryIsStoredOnce() throws Exception {
        h.relay.loseSendAnswers = true;
        CliHarness.Run lost = alice("send", "bob", "answer lost");
        assertEquals(1, lost.code(), lost.out());
        h.relay.loseSendAnswers = false;
        CliHarness.Run retry = alice("inbox");
        assertTrue(retry.out().contains("Delivered the message for bob sealed earlier"), retry.out());
        assertEquals(2, h.relay.sendAttempts.get());
        assertEquals(1, h.relay.all().size(), "same idempotency key: stored once");
        CliHarness.Run read = bob("inbox");
        assertTrue(read.out().contains("1 new message."), read.out());
        assertEquals(1, h.alice.device.sealCalls.get());
    }

    @Test
    void messageWhoseDisplayFails_isKept_andShownNextTime() throws Exception {
        assertEquals(0, alice("send", "bob", "do not lose me").code());
        StringWriter captured = new StringWriter();
        PrintWriter broken = new PrintWriter(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("terminal went away");
            }
        });
        h.run(h.bobHome, CliHarness.lines(), broken, captured, "inbox");
        assertEquals(0, h.bob.device.keptCount("alice"), "stored on the laptop, so the device may forget it");
        assertEquals(1, ClientHome.open(h.bobHome).list(ClientHome.UNSHOWN).size());
        Path history = h.bobHome.resolve("history.jsonl");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(history)));

        CliHarness.Run again = bob("inbox");
        assertTrue(again.out().contains("(kept from before: this message could not be shown then)"), again.out());
        assertTrue(again.out().contains("alice: do not lose me"), again.out());
        assertTrue(ClientHome.open(h.bobHome).list(ClientHome.UNSHOWN).isEmpty());
        CliHarness.Run third = bob("inbox");
        assertFalse(third.out().contains("do not lose me"), "shown once it could be shown");
    }

    @Test
    void answerLostAfterTheDeviceOpened_theRetryGetsTheKeptCopy_notAReplayWarning() throws Exception {
        assertEquals(0, alice("send", "bob", "opened, then the laptop crashed").code());
        RelayMessage m = h.relay.all().get(h.relay.all().size() - 1);
        // the device opened it, but the answer never reached the laptop
        h.bob.device.open("alice", Base64.getDecoder().decode(m.packageB64()));
        assertEquals(1, h.bob.device.keptCount("alice"));
        CliHarness.Run in = bob("inbox");
        assertTrue(in.out().contains("alice: opened, then the laptop crashed"), in.out());
        assertFalse(in.out().contains("WARNING"), in.out());
        assertEquals(0, h.bob.device.keptCount("alice"), "confirmed once stored");
        assertEquals(1, h.run(h.bobHome, CliHarness.lines(), "history", "alice").out()
                .split("opened, then the laptop crashed", -1).length - 1, "in the history once");
    }

    @Test
    void confirmThatFails_isSentOnTheNextRun_andTheDeviceKeepsItsCopyMeanwhile() throws Exception {
        assertEquals(0, alice("send", "bob", "confirm me later").code());
        h.bob.device.failConfirms = true;
        CliHarness.Run in = bob("inbox");
        assertTrue(in.out().contains("alice: confirm me later"), in.out());
        assertEquals(1, h.bob.device.keptCount("alice"), "not confirmed: the device still has it");
        assertEquals(1, ClientHome.open(h.bobHome).list(ClientHome.CONFIRM).size());
        h.bob.device.failConfirms = false;
        ClientHome.open(h.bobHome).addTo(ClientHome.CONFIRM, "999/alice"); // an index the device never opened
        CliHarness.Run next = bob("inbox");
        assertFalse(next.out().contains("confirm me later"), "not shown twice");
        assertEquals(0, h.bob.device.keptCount("alice"));
        assertTrue(ClientHome.open(h.bobHome).list(ClientHome.CONFIRM).isEmpty(),
                "confirmed, and the unknown index dropped (unknown_message)");
    }

    @Test
    void sealFileToRelay_smallFile_arrivesAsAFile_inTheReceiversHome() throws Exception {
        byte[] data = new byte[100_000];
        new java.util.Random(7).nextBytes(data);
        Path plain = tmp.resolve("photo.jpg");
        Files.write(plain, data);
        CliHarness.Run s = alice("seal-file", "bob", plain.toString(), tmp.resolve("photo.otpi").toString(), "--to-relay");
        assertEquals(0, s.code(), s.out());
        assertTrue(s.out().contains("File photo.jpg sent to bob"), s.out());
        CliHarness.Run in = bob("inbox");
        assertTrue(in.out().contains("alice: a file (100000 bytes), saved as " + h.bobHome.resolve("received")), in.out());
        try (Stream<Path> files = Files.list(h.bobHome.resolve("received"))) {
            Path got = files.filter(p -> !p.getFileName().toString().startsWith(".")).findFirst().orElseThrow();
            assertArrayEquals(data, Files.readAllBytes(got));
        }

        Path big = tmp.resolve("big.bin");
        Files.write(big, new byte[400_000]);
        CliHarness.Run tooBig = alice("seal-file", "bob", big.toString(), tmp.resolve("big.otpi").toString(), "--to-relay");
        assertEquals(1, tooBig.code(), tooBig.out());
        assertTrue(tooBig.out().contains("too large for the relay: 400000 bytes"), tooBig.out());
        assertTrue(tooBig.out().contains("Nothing was sealed"), tooBig.out());
        assertEquals(1, h.alice.device.sealCalls.get());
    }
}
