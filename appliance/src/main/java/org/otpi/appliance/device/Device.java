package org.otpi.appliance.device;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;
import org.tinylog.Logger;

/**
 * The device's vault lifecycle: locked until a PIN is given (at the screen, or from a PIN file
 * in emulation), locked again on command, on tamper, or by a panic wipe. Everything that uses
 * pad goes through {@link #vault()}, which fails while locked. Thread-safe.
 */
public final class Device implements AutoCloseable {
    private final Path medium;
    private final Path state;
    private final VaultPolicy policy;
    private final Clock clock;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile Vault vault;
    private volatile String lastDeviceId = "";

    public Device(Path medium, Path state, VaultPolicy policy, Clock clock) {
        this.medium = medium;
        this.state = state;
        this.policy = policy;
        this.clock = clock;
    }

    /** Unlocks with {@code pin} (wiped by the caller). */
    public synchronized void unlock(char[] pin) throws VaultException {
        if (vault != null) {
            return;
        }
        vault = Vault.unlock(medium, state, pin, policy, clock);
        lastDeviceId = vault.deviceId();
        fire("status");
        fire("contacts");
    }

    /** Locks: closes the vault and zeroes its keys in memory. Idempotent. */
    public synchronized void lock() {
        Vault v = vault;
        vault = null;
        if (v != null) {
            v.close();
            fire("status");
            fire("contacts");
        }
    }

    /** Panic: locks and destroys the wrapped vault key on the medium. Irreversible. */
    public synchronized void panicWipe() throws VaultException {
        lock();
        Vault.destroyKey(medium);
        fire("status");
    }

    public boolean unlocked() {
        return vault != null;
    }

    /** The unlocked vault, or LOCKED. */
    public Vault vault() throws VaultException {
        Vault v = vault;
        if (v == null || v.isClosed()) {
            throw new VaultException(VaultException.Kind.LOCKED, "the vault is locked");
        }
        return v;
    }

    /** The device id (known once the vault was unlocked since start). */
    public String deviceId() {
        return lastDeviceId;
    }

    public Path medium() {
        return medium;
    }

    public Path state() {
        return state;
    }

    /** Something the screen shows changed: "status", "contacts", "log" or "grants". */
    public void fire(String what) {
        for (Consumer<String> l : listeners) {
            try {
                l.accept(what);
            } catch (RuntimeException e) {
                Logger.warn("listener failed: {}", e.toString());
            }
        }
    }

    public void addListener(Consumer<String> l) {
        listeners.add(l);
    }

    public void removeListener(Consumer<String> l) {
        listeners.remove(l);
    }

    @Override
    public void close() {
        lock();
    }

    /** Wipes a char array (PINs and passphrases). */
    public static void wipe(char[] secret) {
        if (secret != null) {
            Arrays.fill(secret, '\0');
        }
    }
}
