package org.otpi.kiosk;

/** docs/screens/*-1280x720.png: a 720p HDMI touchscreen. */
class Screens1280x720Test extends Screenshots {
    @Override
    int width() {
        return 1280;
    }

    @Override
    int height() {
        return 720;
    }
}
