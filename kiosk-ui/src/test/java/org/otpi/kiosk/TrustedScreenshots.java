package org.otpi.kiosk;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.protocol.rpc.FileFingerprint;
import org.otpi.protocol.rpc.RpcPaths;
import org.testfx.api.FxRobot;

/**
 * The trusted screen's screens on alice's real vault (not the demo backend), requests coming from
 * a laptop over the real device RPC: docs/screens/real-unlock-wrong-pin, real-pads, skip-ahead,
 * approve-seal-text, approve-file, approve-open, messages, messages-read, compose (tag "screens",
 * only with -Pscreens):
 * {@code ./mvnw -B -o -pl kiosk-ui -am -Pscreens test -Dtest='TrustedScreens*' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("screens")
abstract class TrustedScreenshots extends TrustedScreenFxTest {

    @Override
    String restoredContact() {
        return "Bartholomew Featherstonehaugh-Cholmondeley";
    }

    @Test
    void trustedScreens(FxRobot robot) throws Exception {
        Path out = Path.of(System.getProperty("otpi.screens.dir", "target/screens"));
        Files.createDirectories(out);
        waitForConnection();
        typePin(robot, "000000");
        waitFor(() -> robot.lookup("#unlock-message").queryAs(Label.class).getText().contains("Wrong PIN"));
        shot(out, "real-unlock-wrong-pin");
        waitFor(() -> !robot.lookup("#pin-1").query().isDisabled());
        unlockAlice(robot);
        waitFor(() -> robot.lookup(n -> ("receive-only-" + restoredContact()).equals(n.getId())).tryQuery().isPresent());
        Thread.sleep(300);
        shot(out, "real-pads");

        robot.clickOn(byId(robot, "skip-ahead-" + restoredContact()));
        waitFor(ui::skipShowing);
        Thread.sleep(300);
        shot(out, "skip-ahead");
        robot.clickOn("#skip-cancel");
        waitFor(() -> !ui.skipShowing());

        // a seal whose text carries a hidden bidi override and an escape: the screen shows them
        String text = "Meet at the bridge at 11, not at the station.\nBring the documents\u202e and the key.\u001b[8m";
        CompletableFuture<String> seal = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.SEAL,
                "{\"contact\":\"bob\",\"message\":\"" + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8))
                        + "\"}"));
        waitFor(ui::approvalShowing);
        Thread.sleep(300);
        shot(out, "approve-seal-text");
        robot.clickOn("#deny");
        seal.get();
        waitFor(() -> !ui.approvalShowing());

        byte[] file = new byte[98_765];
        new java.util.Random(8).nextBytes(file);
        String sha = java.util.HexFormat.of().formatHex(FileFingerprint.digest().digest(file));
        CompletableFuture<HttpResponse<String>> fileSeal = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                        rpcBase.resolve(RpcPaths.FILE_SEAL + "?contact=bob&sha256=" + sha + "&name=budget-2027.ods"))
                .header("Authorization", "Bearer " + laptop).POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        waitFor(ui::approvalShowing);
        Thread.sleep(300);
        shot(out, "approve-file");
        robot.clickOn("#deny");
        fileSeal.get();
        waitFor(() -> !ui.approvalShowing());

        for (String m : new String[] {"The new door code is 4711. Please destroy this once you have it.",
                "Train at 06:10 from platform 3. I will have the papers."}) {
            byte[] pkg = bob.seal("alice", m.getBytes(StandardCharsets.UTF_8), SealOptions.V2).packageBytes();
            CompletableFuture<String> open = CompletableFuture.supplyAsync(() -> http("POST", RpcPaths.OPEN,
                    "{\"contact\":\"bob\",\"packageData\":\"" + Base64.getEncoder().encodeToString(pkg) + "\"}"));
            waitFor(ui::approvalShowing);
            Thread.sleep(300);
            if (m.startsWith("Train")) {
                shot(out, "approve-open");
            }
            robot.clickOn("#approve-on-device");
            open.get();
            waitFor(() -> !ui.approvalShowing());
        }

        robot.clickOn("#nav-messages");
        robot.clickOn("#write");
        waitFor(ui::composeShowing);
        robot.clickOn("#compose-text").write("Got both. See you on platform 3.");
        Thread.sleep(300);
        shot(out, "compose");
        robot.clickOn("#compose-seal");
        waitFor(() -> !ui.composeShowing());
        waitFor(() -> ui.inboxShown().size() == 2);
        waitFor(() -> robot.lookup("#outbox-waiting").queryLabeled().getText().startsWith("1 written here"));
        Thread.sleep(4500); // the toast fades
        shot(out, "messages");
        robot.clickOn("#read-" + ui.inboxShown().get(0).id());
        waitFor(ui::readerShowing);
        Thread.sleep(300);
        shot(out, "messages-read");
        robot.clickOn("#reader-close");
    }
}
