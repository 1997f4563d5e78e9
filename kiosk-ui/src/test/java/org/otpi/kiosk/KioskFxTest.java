package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.image.PixelFormat;
import javafx.scene.image.WritableImage;
import javafx.stage.Stage;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.kiosk.InMemoryKioskBackend;
import org.otpi.appliance.kiosk.KioskApprover;
import org.otpi.appliance.kiosk.KioskServer;
import org.testfx.api.FxRobot;
import org.testfx.api.FxToolkit;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.util.WaitForAsyncUtils;

/**
 * Base of the kiosk flows: a real {@link KioskServer} with the in-memory backend on a real Unix
 * socket, the real {@link KioskUi} with its {@link KioskClient}, rendered by Monocle headless.
 */
@ExtendWith(ApplicationExtension.class)
abstract class KioskFxTest {
    /** A clock tests move forward by hand, starting now. */
    static final class MovableClock extends Clock {
        volatile Instant now = Instant.now();

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    Path dir;
    MovableClock grantClock;
    StandingApprovals standing;
    InMemoryKioskBackend backend;
    KioskApprover kioskApprover;
    Approver approver;
    KioskServer server;
    KioskClient client;
    KioskUi ui;
    Stage stage;

    int width() {
        return 800;
    }

    int height() {
        return 480;
    }

    /** The device behind the socket: the demo (a vault with three contacts) unless a test needs another. */
    InMemoryKioskBackend backend(StandingApprovals standing) {
        return InMemoryKioskBackend.demo(Clock.systemUTC(), standing);
    }

    /** What the kiosk server serves: {@link #backend} unless a test puts the real device behind it. */
    org.otpi.appliance.kiosk.KioskBackend serverBackend() throws Exception {
        return backend;
    }

    /** Approval timeout on the appliance side. */
    Duration approvalTimeout() {
        return Duration.ofSeconds(20);
    }

    @BeforeEach
    void start() throws Exception {
        this.stage = FxToolkit.registerPrimaryStage();
        dir = Files.createTempDirectory("otpi-kiosk-ui");
        grantClock = new MovableClock();
        standing = new StandingApprovals(grantClock);
        backend = backend(standing);
        kioskApprover = new KioskApprover(approvalTimeout(), Clock.systemUTC());
        approver = standing.orElse(kioskApprover);
        server = KioskServer.start(dir.resolve("kiosk.sock"), System.getProperty("user.name"), serverBackend(), kioskApprover);
        client = new KioskClient(dir.resolve("kiosk.sock"));
        FxToolkit.setupFixture(() -> {
            ui = new KioskUi(client);
            stage.setScene(new Scene(ui.root(), width(), height()));
            stage.setWidth(width());
            stage.setHeight(height());
            stage.show();
            ui.start();
        });
        WaitForAsyncUtils.waitForFxEvents();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        kioskApprover.close();
        FxToolkit.cleanupStages();
        deleteTree(dir);
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static void waitFor(Callable<Boolean> condition) {
        try {
            WaitForAsyncUtils.waitFor(10, TimeUnit.SECONDS, condition);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("condition not met within 10 s", e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }

    void waitForConnection() {
        waitFor(() -> server.sessionCount() == 1 && client.isConnected());
    }

    void typePin(FxRobot robot, String pin) {
        for (char c : pin.toCharArray()) {
            robot.clickOn("#pin-" + c);
        }
        robot.clickOn("#pin-ok");
    }

    void unlock(FxRobot robot) {
        waitForConnection();
        typePin(robot, "1234");
        waitFor(backend::isUnlocked);
        waitFor(() -> visible(robot, "#pad-alice"));
    }

    static boolean visible(FxRobot robot, String query) {
        return robot.lookup(query).tryQuery().map(n -> n.isVisible() && n.getScene() != null && isShown(n)).orElse(false);
    }

    private static boolean isShown(Node n) {
        for (Node p = n; p != null; p = p.getParent()) {
            if (!p.isVisible()) {
                return false;
            }
        }
        return true;
    }

    /** Writes the stage to {@code dir/NAME-WxH.png}. */
    void shot(Path dir, String name) throws Exception {
        WaitForAsyncUtils.waitForFxEvents();
        AtomicReference<WritableImage> image = new AtomicReference<>();
        FxToolkit.setupFixture(() -> image.set(stage.getScene().snapshot(null)));
        WritableImage img = image.get();
        int w = (int) img.getWidth();
        int h = (int) img.getHeight();
        int[] argb = new int[w * h];
        img.getPixelReader().getPixels(0, 0, w, h, PixelFormat.getIntArgbInstance(), argb, 0, w);
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        b.setRGB(0, 0, w, h, argb, 0, w);
        Path file = dir.resolve(name + "-" + width() + "x" + height() + ".png");
        try {
            ImageIO.write(b, "png", file.toFile());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(Files.size(file) > 1000, file + " written");
    }
}
