package org.otpi.kiosk;

/** docs/screens/exchange-1280x720.png and exchange-received-1280x720.png: an HDMI screen. */
class ExchangeScreens1280x720Test extends ExchangeScreenshots {
    @Override
    int width() {
        return 1280;
    }

    @Override
    int height() {
        return 720;
    }
}
