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

    /** Shows on every one of {@code displays}, in order; one that throws does not stop the rest. */
    static PairingDisplay all(PairingDisplay... displays) {
        PairingDisplay[] ds = displays.clone();
        return new PairingDisplay() {
            @Override
            public void show(String clientName, String code, Duration validFor) {
                for (PairingDisplay d : ds) {
                    try {
                        d.show(clientName, code, validFor);
                    } catch (RuntimeException e) {
                        org.tinylog.Logger.warn("pairing display {} failed: {}", d.getClass().getSimpleName(),
                                e.getClass().getSimpleName());
                    }
                }
            }

            @Override
            public void clear(String clientName) {
                for (PairingDisplay d : ds) {
                    try {
                        d.clear(clientName);
                    } catch (RuntimeException e) {
                        org.tinylog.Logger.warn("pairing display {} failed: {}", d.getClass().getSimpleName(),
                                e.getClass().getSimpleName());
                    }
                }
            }
        };
    }
}
