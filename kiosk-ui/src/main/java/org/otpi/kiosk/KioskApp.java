package org.otpi.kiosk;

import java.nio.file.Path;
import java.util.List;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.input.KeyCombination;
import javafx.stage.Stage;

/**
 * The JavaFX application. Started through {@link KioskLauncher} (JavaFX's launcher check wants a
 * main class that is not an Application when the toolkit comes from the class path).
 * Parameters: {@code --socket=PATH} (default /run/otpi/kiosk.sock), {@code --window=WxH} for a
 * normal window (emulation) instead of full screen.
 */
public final class KioskApp extends Application {
    private KioskClient client;

    @Override
    public void start(Stage stage) {
        var named = getParameters().getNamed();
        Path socket = Path.of(named.getOrDefault("socket", "/run/otpi/kiosk.sock"));
        client = new KioskClient(socket);
        KioskUi ui = new KioskUi(client);
        String window = named.get("window");
        Scene scene;
        if (window != null) {
            List<String> wh = List.of(window.split("x"));
            scene = new Scene(ui.root(), Integer.parseInt(wh.get(0)), Integer.parseInt(wh.get(1)));
        } else {
            scene = new Scene(ui.root());
            stage.setFullScreen(true);
            stage.setFullScreenExitHint("");
            stage.setFullScreenExitKeyCombination(KeyCombination.NO_MATCH);
        }
        stage.setTitle("OTPi");
        stage.setScene(scene);
        stage.show();
        ui.start();
    }

    @Override
    public void stop() {
        if (client != null) {
            client.close();
        }
    }
}
