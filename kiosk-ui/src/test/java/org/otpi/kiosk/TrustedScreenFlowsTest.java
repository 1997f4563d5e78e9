package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.protocol.kiosk.VisibleText;
import org.otpi.protocol.rpc.RpcPaths;
import org.testfx.api.FxRobot;

/**
 * Issue 14 on the screen, against alice's real vault over real sockets (TestFX on Monocle): the
 * dialog shows what a malicious laptop really asks to seal; a message read on the device never
 * reaches the laptop, is read and destroyed on the screen; a laptop that goes away takes its
 * question with it.
 */
class TrustedScreenFlowsTest extends TrustedScreenFxTest {

    @Test
    void maliciousClient_changesTheText_theDialogShowsTheChangedText_andADenialUsesNoPad(FxRobot robot) throws Exception {
        unlockAlice(robot);
        String typed = "Meet me at the station at 10.";
        String sent = "Meet me at the bridge at 11.\nBring the documents.\u202e\u001b[8m";
        assertFalse(typed.equals(sent));
        CompletableFuture<String> laptopAnswer = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.SEAL,
                "{\"contact\":\"bob\",\"message\":\"" + Base64.getEncoder().encodeToString(sent.getBytes(StandardCharsets.UTF_8))
                        + "\"}"));
        waitFor(ui::approvalShowing);
        String shown = ui.approvalText();
        assertEquals(VisibleText.plain(sent.getBytes(StandardCharsets.UTF_8)), shown);
        assertTrue(shown.contains("Meet me at the bridge at 11."), shown);
        assertTrue(shown.contains("Bring the documents."), shown);
        assertFalse(shown.contains("station"), shown);
        assertTrue(shown.contains("\\u202e") && shown.contains("\\x1b"), "hidden characters are shown: " + shown);
        assertTrue(ui.approvalMarks() >= 3, "newline, bidi override and escape are marks");
        assertEquals("bob", robot.lookup("#approval-contact").queryAs(Label.class).getText(), "the vault's contact");
        assertTrue(robot.lookup("#approval-heading").queryAs(Label.class).getText().contains("alice-laptop"));
        robot.clickOn("#deny");
        String answer = laptopAnswer.get(10, TimeUnit.SECONDS);
        assertTrue(answer.startsWith("HTTP/1.1 403") && answer.contains("\"code\":\"denied\""), answer);
        waitFor(() -> !ui.approvalShowing());
        assertEquals(0, alice.vault().stats("bob").sendUsed(), "no pad used");
    }

    @Test
    void readOnTheDevice_theAnswerHoldsNoPlaintext_theInboxShowsIt_andDestroyRemovesItFromTheVault(FxRobot robot)
            throws Exception {
        unlockAlice(robot);
        waitFor(() -> visible(robot, "#read-here-bob"));
        robot.clickOn("#read-here-bob");
        waitFor(() -> alice.vault().stats("bob").readOnDevice());

        String secret = "The new code for the back door is 4-7-1-1. Destroy after reading.";
        byte[] pkg = bob.seal("alice", secret.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
        CompletableFuture<String> laptopAnswer = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.OPEN,
                "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}"));
        waitFor(ui::approvalShowing);
        assertFalse(visible(robot, "#approve"), "with the setting on, the laptop is not offered the text");
        assertTrue(robot.lookup("#approval-length").queryAs(Label.class).getText().startsWith(secret.length() + " B"),
                "the message's size, not the package's");
        robot.clickOn("#approve-on-device");
        String answer = laptopAnswer.get(10, TimeUnit.SECONDS);
        assertTrue(answer.contains("\"shownOnDevice\":true"), answer);
        assertNoTrace(answer, secret);

        robot.clickOn("#nav-messages");
        waitFor(() -> ui.inboxShown().size() == 1);
        String id = ui.inboxShown().get(0).id();
        assertEquals("Messages 1", robot.lookup("#nav-messages").queryLabeled().getText());
        robot.clickOn("#read-" + id);
        waitFor(ui::readerShowing);
        assertEquals(secret, ui.readerText());
        assertTrue(robot.lookup("#reader-title").queryAs(Label.class).getText().contains("bob"));
        robot.clickOn("#reader-destroy");
        robot.clickOn("#reader-destroy"); // the second touch
        waitFor(() -> !ui.readerShowing());
        waitFor(() -> alice.vault().onDevice().messages().isEmpty());
        assertEquals("", ui.readerText(), "the reader forgot the text");
        waitFor(() -> visible(robot, "#inbox-none"));
    }

    @Test
    void aLaptopThatDisconnects_closesItsDialog_andTheScreenSaysSo(FxRobot robot) throws Exception {
        unlockAlice(robot);
        String json = "{\"contact\":\"bob\",\"message\":\"aGk=\"}";
        try (Socket s = new Socket("127.0.0.1", rpcBase.getPort())) {
            s.getOutputStream().write(("POST " + RpcPaths.SEAL + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + laptop
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + json.length() + "\r\n\r\n" + json)
                    .getBytes(StandardCharsets.US_ASCII));
            waitFor(ui::approvalShowing);
        }
        waitFor(() -> !ui.approvalShowing());
        waitFor(() -> visible(robot, "#toast"));
        String toast = robot.lookup("#toast").queryLabeled().getText();
        assertTrue(toast.contains("alice-laptop") && toast.contains("disconnected") && toast.contains("Nothing was used"),
                toast);
        assertEquals(0, alice.vault().stats("bob").sendUsed());
    }

    /** Neither the text nor its base64 (any alignment) is in {@code raw}. */
    static void assertNoTrace(String raw, String text) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        assertFalse(raw.contains(text), "plaintext found");
        for (int shift = 0; shift < 3; shift++) {
            String b64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(t, shift, t.length));
            assertFalse(raw.contains(b64.substring(4, b64.length() - 4)), "base64 of the plaintext found");
        }
    }
}
