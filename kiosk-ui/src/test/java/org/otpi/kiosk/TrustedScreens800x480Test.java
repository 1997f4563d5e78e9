package org.otpi.kiosk;

/** docs/screens/ of the trusted screen at 800x480, the official 7" Raspberry Pi touchscreen. */
class TrustedScreens800x480Test extends TrustedScreenshots {
}
