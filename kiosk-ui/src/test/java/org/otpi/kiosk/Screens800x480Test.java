package org.otpi.kiosk;

/** docs/screens/*-800x480.png: the official 7" Raspberry Pi touchscreen. */
class Screens800x480Test extends Screenshots {
}
