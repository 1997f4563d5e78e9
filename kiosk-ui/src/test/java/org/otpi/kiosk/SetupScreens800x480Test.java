package org.otpi.kiosk;

/** docs/screens/setup-800x480.png: the 7" official touchscreen. */
class SetupScreens800x480Test extends SetupScreenshots {
}
