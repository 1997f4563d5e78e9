package org.otpi.appliance.rpc;

import java.nio.file.Path;

/**
 * How {@link DeviceServices#open} finds the real vault: a {@link java.util.ServiceLoader} provider
 * (META-INF/services/org.otpi.appliance.rpc.DeviceServiceProvider).
 */
public interface DeviceServiceProvider {
    /**
     * Opens the vault in {@code vaultDir} with device state in {@code stateDir}.
     *
     * @param pin the PIN to unlock with now, or null to start locked (the kiosk unlocks later);
     *            the provider wipes it when done
     */
    DeviceService open(Path vaultDir, Path stateDir, char[] pin) throws Exception;
}
