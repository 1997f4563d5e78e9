package org.otpi.kiosk;

import java.nio.file.Files;
import java.nio.file.Path;
import javafx.scene.control.Label;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.testfx.api.FxRobot;

/**
 * docs/screens/exchange-WxH.png (hand over: code and words) and exchange-received-WxH.png (tag
 * "screens", only with -Pscreens):
 * {@code ./mvnw -B -o -pl protocol,appliance,kiosk-ui -Pscreens test -Dtest='ExchangeScreens*' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("screens")
abstract class ExchangeScreenshots extends KioskFxTest {

    @Test
    void handOverAndReceive(FxRobot robot) throws Exception {
        Path out = Path.of(System.getProperty("otpi.screens.dir", "target/screens"));
        Files.createDirectories(out);
        backend.addPad("bob-pi", 16 << 20, "hrng+kernel", 0, 0);
        unlock(robot);
        waitFor(() -> visible(robot, "#handover-bob-pi"));
        Thread.sleep(300);
        shot(out, "pads-handover");
        robot.clickOn("#handover-bob-pi");
        Label code = robot.lookup("#exchange-code").queryAs(Label.class);
        waitFor(() -> !code.getText().isEmpty());
        Thread.sleep(300);
        shot(out, "exchange");
        robot.clickOn("#exchange-close");
        waitFor(() -> !ui.exchangeShowing());

        backend.stageIncoming(KioskExchangeTest.USB, "erin-pi", 16 << 20, "7K3QM-2XW9P");
        robot.clickOn("#receive");
        waitFor(ui::exchangeShowing);
        robot.clickOn("#exchange-typed").write("7K3QM-2XW9P");
        robot.clickOn("#exchange-receive");
        Label title = robot.lookup("#exchange-title").queryAs(Label.class);
        waitFor(() -> title.getText().contains("erin-pi"));
        Thread.sleep(300);
        shot(out, "exchange-received");
    }
}
