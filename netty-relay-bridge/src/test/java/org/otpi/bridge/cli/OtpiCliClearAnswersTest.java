package org.otpi.bridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.Decision;
import org.otpi.appliance.rpc.CountingApprover;

/** Issue 12, item 3: every failure names what failed and what to do, asserted by its text. */
class OtpiCliClearAnswersTest {
    @TempDir
    Path tmp;

    private CliHarness h;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    private CliHarness paired() throws Exception {
        h = new CliHarness(tmp);
        h.pairBoth();
        return h;
    }

    private CliHarness.Run alice(String... args) {
        return h.run(h.aliceHome, CliHarness.lines(), args);
    }

    @Test
    void deviceDown_namesItsUrl() throws Exception {
        paired();
        String url = h.alice.base.toString();
        h.alice.close();
        CliHarness.Run r = alice("contacts");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("cannot reach the device at " + url + ": is it plugged in and running?"), r.out());
    }

    @Test
    void relayDown_namesItsUrl_andNothingIsSealed() throws Exception {
        paired();
        h.relay.down = true;
        CliHarness.Run r = alice("send", "bob", "hi");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("Not sent to bob: cannot reach the relay at " + FakeRelay.URI), r.out());
        assertTrue(r.out().contains("nothing was sealed, no pad used"), r.out());
        assertEquals(0, h.alice.device.sealCalls.get());
    }

    @Test
    void notPaired_andPairingRevoked_sayToPair() throws Exception {
        paired();
        CliHarness.Run never = h.run(tmp.resolve("fresh-home"), CliHarness.lines(), "contacts");
        assertEquals(2, never.code());
        assertTrue(never.out().contains("this laptop is not paired with a device yet: run 'otpi pair' first"), never.out());
        ClientHome.open(h.aliceHome).set(ClientHome.DEVICE_TOKEN, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        CliHarness.Run revoked = alice("contacts");
        assertEquals(1, revoked.code());
        assertTrue(revoked.out().contains("this laptop is not paired with the device at " + h.alice.base
                + " (or its pairing was revoked): run 'otpi pair'"), revoked.out());
    }

    @Test
    void noPadForThatContact_isNotCalledAMissingAccount() throws Exception {
        paired();
        CliHarness.Run r = alice("send", "dave", "hi"); // dave has a relay account, but no pad
        assertEquals(1, r.code());
        assertTrue(r.out().contains("Not sent to dave: no pad for 'dave' on the device (pads: bob, carol):"
                + " exchange a pad with dave on the device first"), r.out());
        assertFalse(r.out().contains("account"), r.out());
    }

    @Test
    void messageTooLarge_saysTheLimit() throws Exception {
        paired();
        CliHarness.Run r = alice("send", "bob", "x".repeat(40_000));
        assertEquals(1, r.code());
        assertTrue(r.out().contains("message too large: 40000 bytes; the limit is 32768 bytes a message"
                + " (send larger things with seal-file)"), r.out());
        assertEquals(0, h.alice.device.sealCalls.get());
    }

    @Test
    void padTooSmall_saysNeededAndLeft() throws Exception {
        h = new CliHarness(tmp, 100);
        h.pairBoth();
        CliHarness.Run r = alice("send", "bob", "y".repeat(200));
        assertEquals(1, r.code());
        assertTrue(r.out().contains("not enough pad left for bob: this needs 232 pad bytes, 100 are left"), r.out());
        assertEquals(0, h.alice.device.sealCalls.get());
        java.nio.file.Path f = tmp.resolve("f.bin");
        java.nio.file.Files.write(f, new byte[500]);
        CliHarness.Run file = alice("seal-file", "bob", f.toString(), tmp.resolve("f.otpi").toString());
        assertTrue(file.out().contains("not enough pad left for bob: this needs 532 pad bytes, 100 are left"), file.out());
    }

    @Test
    void deniedVsNoOneAnsweredVsNoKiosk_areToldApart() throws Exception {
        paired();
        h.aliceApprover.mode(CountingApprover.Mode.DENY);
        CliHarness.Run denied = alice("send", "bob", "a");
        assertTrue(denied.out().contains("Not sent to bob: denied on the device: the person at the device said no"),
                denied.out());
        h.aliceApprover.mode(CountingApprover.Mode.TIME_OUT);
        CliHarness.Run timeout = alice("send", "bob", "b");
        assertTrue(timeout.out().contains("Not sent to bob: no one answered on the device in time: approve it on the"
                + " device's screen when it asks, then try again"), timeout.out());
        h.aliceApprover.mode(CountingApprover.Mode.UNAVAILABLE);
        CliHarness.Run nobody = alice("send", "bob", "c");
        assertTrue(nobody.out().contains("Not sent to bob: the device has no way to ask for approval (no kiosk"
                + " connected): start the kiosk on the device, then try again"), nobody.out());
        assertEquals(0, h.alice.device.sealCalls.get());
        assertTrue(h.relay.all().isEmpty());
    }

    @Test
    void failedRelayUrl_isNotSaved() throws Exception {
        paired();
        Path home = tmp.resolve("carol-home");
        h.relay.down = true;
        ClientHome.open(home).set(ClientHome.DEVICE_TOKEN, ClientHome.open(h.aliceHome).get(ClientHome.DEVICE_TOKEN));
        ClientHome.open(home).set(ClientHome.DEVICE_URL, h.alice.base.toString());
        CliHarness.Run r = h.run(home, CliHarness.lines(), "--relay", "http://typo.invalid:8090", "--user", "erin", "inbox");
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("cannot reach the relay at"), r.out());
        assertNull(ClientHome.open(home).get(ClientHome.RELAY_URL), "a relay that did not answer is not remembered");
        CliHarness.Run later = h.run(home, CliHarness.lines(), "inbox");
        assertEquals(2, later.code());
        assertTrue(later.out().contains("no relay known yet: give it once with --relay URL"), later.out());
    }

    @Test
    void pairing_acceptsTheGroupedCode_andAWrongCodeMayBeRetried() throws Exception {
        h = new CliHarness(tmp);
        CliHarness.Run r = h.run(h.aliceHome, CliHarness.codeFrom(h.alice, "1234 567", "0000 0000"),
                "--device", h.alice.base.toString(), "pair");
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("A code is 8 digits, like 7638 2081: try again."), r.out());
        assertTrue(r.out().contains("That code is not the one the device shows: try again."), r.out());
        assertTrue(r.out().contains("Paired with the device at " + h.alice.base), r.out());
    }

    @Test
    void waitingForThePerson_saysApproveOnTheDevice() throws Exception {
        paired();
        h.aliceApprover.mode(CountingApprover.Mode.HOLD);
        StringWriter out = new StringWriter();
        CompletableFuture<CliHarness.Run> send = CompletableFuture.supplyAsync(() ->
                h.run(h.aliceHome, CliHarness.lines(), new PrintWriter(out, true), out, "send", "bob", "wait for me"));
        CompletableFuture<Decision> pending = h.aliceApprover.held.poll(10, TimeUnit.SECONDS);
        long end = System.currentTimeMillis() + 5_000;
        while (!out.toString().contains("Approve on the device…") && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        assertTrue(out.toString().contains("Approve on the device… (waiting for the person at the device)"), out.toString());
        pending.complete(Decision.APPROVE);
        assertEquals(0, send.get(10, TimeUnit.SECONDS).code());
    }
}
