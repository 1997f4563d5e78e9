package org.otpi.appliance.rpc;

import java.time.Duration;

/**
 * Where the device shows a pairing code to the person: the kiosk screen on the Pi, the console
 * in emulation. The code must never be sent back over the RPC.
 */
public interface PairingDisplay {
    /** Shows {@code code} for a client that calls itself {@code clientName}. */
    void show(String clientName, String code, Duration validFor);

    /** The pairing ended (paired, expired or failed too often): take the code off the screen. */
    default void clear(String clientName) {
    }
}
