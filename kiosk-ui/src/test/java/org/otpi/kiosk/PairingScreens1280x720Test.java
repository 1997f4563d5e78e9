package org.otpi.kiosk;

/** docs/screens/{pairing,backup}-1280x720.png: a 720p HDMI touchscreen. */
class PairingScreens1280x720Test extends PairingScreenshots {
    @Override
    int width() {
        return 1280;
    }

    @Override
    int height() {
        return 720;
    }
}
