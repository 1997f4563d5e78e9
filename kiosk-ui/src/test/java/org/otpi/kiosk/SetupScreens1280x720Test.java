package org.otpi.kiosk;

/** docs/screens/setup-1280x720.png: a 720p HDMI touchscreen. */
class SetupScreens1280x720Test extends SetupScreenshots {
    @Override
    int width() {
        return 1280;
    }

    @Override
    int height() {
        return 720;
    }
}
