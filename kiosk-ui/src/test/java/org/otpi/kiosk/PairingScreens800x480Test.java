package org.otpi.kiosk;

/** docs/screens/{pairing,backup}-800x480.png: the 7" official touchscreen. */
class PairingScreens800x480Test extends PairingScreenshots {
}
