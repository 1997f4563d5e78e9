package org.otpi.kiosk;

/** docs/screens/exchange-800x480.png and exchange-received-800x480.png: the 7" official touchscreen. */
class ExchangeScreens800x480Test extends ExchangeScreenshots {
}
