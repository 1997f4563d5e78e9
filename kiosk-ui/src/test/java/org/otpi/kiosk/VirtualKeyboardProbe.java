package org.otpi.kiosk;

import javafx.application.Application;
import javafx.application.ConditionalFeature;
import javafx.application.Platform;
import javafx.scene.Scene;
import javafx.scene.control.TextField;
import javafx.scene.layout.VBox;
import javafx.stage.Popup;
import javafx.stage.Stage;
import javafx.stage.Window;

/**
 * Run in its own JVM by {@link VirtualKeyboardTest} (JavaFX reads the keyboard settings once per
 * process): applies {@link KioskLauncher#touchSettings} to its arguments exactly as the kiosk's
 * main does, focuses a text field and prints whether JavaFX's on-screen keyboard came up.
 */
public final class VirtualKeyboardProbe {
    private VirtualKeyboardProbe() {
    }

    public static void main(String[] args) {
        KioskLauncher.touchSettings(args);
        Application.launch(App.class, args);
    }

    public static final class App extends Application {
        @Override
        public void start(Stage stage) {
            TextField other = new TextField();
            TextField name = new TextField();
            stage.setScene(new Scene(new VBox(other, name), 800, 480));
            stage.show();
            Platform.runLater(name::requestFocus);
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(1500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                Platform.runLater(() -> {
                    boolean keyboard = Window.getWindows().stream().anyMatch(w -> w instanceof Popup && w.isShowing()
                            && w.getScene().getRoot().lookup(".fxvk") != null);
                    System.out.println("supported=" + Platform.isSupported(ConditionalFeature.VIRTUAL_KEYBOARD)
                            + " keyboard=" + keyboard);
                    System.out.flush();
                    Platform.exit();
                });
            }, "probe");
            t.setDaemon(true);
            t.start();
        }
    }
}
