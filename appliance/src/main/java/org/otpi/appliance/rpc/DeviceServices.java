package org.otpi.appliance.rpc;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.ServiceLoader;

/**
 * The factory the daemon uses to get its {@link DeviceService}.
 *
 * <p>=== WIRING POINT FOR THE REAL VAULT ===
 * Either register a {@link DeviceServiceProvider} through ServiceLoader, or replace the body of
 * {@link #open} with a direct construction of the vault-backed implementation.
 */
public final class DeviceServices {
    private DeviceServices() {
    }

    /** Opens the device service, or fails with a clear message when no vault is on the classpath. */
    public static DeviceService open(Path vaultDir, Path stateDir, char[] pin) throws Exception {
        Iterator<DeviceServiceProvider> it = ServiceLoader.load(DeviceServiceProvider.class).iterator();
        if (!it.hasNext()) {
            throw new IllegalStateException("no vault implementation on the classpath: no "
                    + DeviceServiceProvider.class.getName() + " is registered (see DeviceServices)");
        }
        return it.next().open(vaultDir, stateDir, pin);
    }
}
