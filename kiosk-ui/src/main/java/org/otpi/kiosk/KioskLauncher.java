package org.otpi.kiosk;

import javafx.application.Application;

/**
 * Main class of the kiosk process.
 *
 * <pre>
 * java -cp 'kiosk-ui/target/otpi-kiosk-ui-*.jar:kiosk-ui/target/lib/*' org.otpi.kiosk.KioskLauncher \
 *      --socket=/run/otpi/kiosk.sock            # full screen, on the device (under cage)
 *      --socket=/tmp/otpi/kiosk.sock --window=800x480   # a window, in emulation
 * </pre>
 */
public final class KioskLauncher {
    private KioskLauncher() {
    }

    public static void main(String[] args) {
        Application.launch(KioskApp.class, args);
    }
}
