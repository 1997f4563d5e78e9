package org.otpi.kiosk;

/** docs/screens/ of the trusted screen at 1280x720. */
class TrustedScreens1280x720Test extends TrustedScreenshots {
    @Override
    int width() {
        return 1280;
    }

    @Override
    int height() {
        return 720;
    }
}
