package org.otpi.kiosk;

import java.util.Arrays;
import javafx.application.Application;

/**
 * Main class of the kiosk process.
 *
 * <pre>
 * java -cp 'kiosk-ui/target/otpi-kiosk-ui-*.jar:kiosk-ui/target/lib/*' org.otpi.kiosk.KioskLauncher \
 *      --socket=/run/otpi/kiosk.sock            # full screen, on the device (under cage)
 *      --socket=/tmp/otpi/kiosk.sock --window=800x480   # a window, in emulation
 * </pre>
 *
 * <p>Full screen (the device) turns on JavaFX's own on-screen keyboard for text fields: the
 * device has only its touchscreen, and first-run setup, backups and new contacts need typing.
 * A {@code -Dcom.sun.javafx.virtualKeyboard=none} on the command line wins. In a window
 * (emulation) the laptop's keyboard is used and nothing is changed.
 */
public final class KioskLauncher {
    /** JavaFX reads these once, when the toolkit starts: they must be set before {@code launch}. */
    static final String VIRTUAL_KEYBOARD = "com.sun.javafx.virtualKeyboard";
    static final String TOUCH = "com.sun.javafx.touch";

    private KioskLauncher() {
    }

    public static void main(String[] args) {
        touchSettings(args);
        Application.launch(KioskApp.class, args);
    }

    /**
     * On the device (no {@code --window=}): the JavaFX virtual keyboard pops up under a focused
     * text field, and controls use their touch behaviour. Properties already set are kept.
     */
    static void touchSettings(String[] args) {
        if (Arrays.stream(args).anyMatch(a -> a.startsWith("--window="))) {
            return;
        }
        if (System.getProperty(VIRTUAL_KEYBOARD) == null) {
            System.setProperty(VIRTUAL_KEYBOARD, "javafx");
        }
        if (System.getProperty(TOUCH) == null) {
            System.setProperty(TOUCH, "true");
        }
    }
}
