package org.otpi.appliance.device;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;
import org.tinylog.Logger;

/**
 * The device's vault lifecycle: created on an empty medium at first run ({@link #create}),
 * locked until a PIN is given (at the screen, or from a PIN file in emulation), locked again on
 * command, on tamper, or by a panic wipe. Everything that uses
 * pad goes through {@link #vault()}, which fails while locked. Thread-safe.
 */
public final class Device implements AutoCloseable {
    /** The vault's files on the medium (see {@code VaultHeader} and {@code Journal}). */
    private static final String HEADER_FILE = "vault.hdr";
    private static final String JOURNAL_FILE = "journal";

    private final Path medium;
    private final Path state;
    private final VaultPolicy policy;
    private final Clock clock;
    private final java.util.function.Predicate<Path> mounted;
    private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    private volatile Vault vault;
    private volatile String lastDeviceId = "";

    public Device(Path medium, Path state, VaultPolicy policy, Clock clock) {
        this(medium, state, policy, clock, Device::isMountPoint);
    }

    /** With {@code mounted} deciding whether a medium under /media, /mnt or /run/media is mounted (tests). */
    Device(Path medium, Path state, VaultPolicy policy, Clock clock, java.util.function.Predicate<Path> mounted) {
        this.mounted = mounted;
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

    /**
     * First run: creates a vault on the empty medium for {@code deviceId}, sealed with {@code pin}
     * (wiped by the caller) under {@code kdf}, and keeps it open: the device is unlocked
     * afterwards. Refuses while unlocked and whenever the medium already holds a vault (header or
     * journal): an existing vault is never overwritten. Argon2id runs under this object's lock,
     * so a concurrent unlock or second create waits and then sees the new vault.
     */
    public synchronized void create(String deviceId, char[] pin, Argon2id kdf) throws VaultException {
        if (vault != null) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "a vault already exists on this medium");
        }
        switch (mediumState()) {
            case NO_MEDIUM -> throw new VaultException(VaultException.Kind.NO_VAULT, "no vault medium attached");
            case LOCKED, UNLOCKED -> throw new VaultException(VaultException.Kind.BAD_INPUT,
                    "a vault already exists on this medium");
            case EMPTY -> { }
        }
        vault = Vault.create(medium, state, deviceId, pin, kdf, policy);
        lastDeviceId = vault.deviceId();
        fire("status");
        fire("contacts");
    }

    /**
     * Locks if the vault is open but its medium is gone: the stick was pulled (systemd then
     * unmounts it, and the mount point no longer counts as a medium) or its header vanished. The
     * keys leave memory at once instead of waiting for the next pad use to fail on I/O errors.
     * Returns whether it locked. Called every few seconds by the daemon.
     */
    public synchronized boolean lockIfMediumGone() {
        if (vault == null) {
            return false;
        }
        boolean present = Files.isDirectory(medium) && (!expectsMountPoint(medium) || mounted.test(medium))
                && Files.exists(medium.resolve(HEADER_FILE));
        if (present) {
            return false;
        }
        lock();
        return true;
    }

    /** What the medium holds, as the screen must know it to offer unlock or first-run setup. */
    public enum MediumState {
        /** The medium directory is missing, or (under /media, /mnt, /run/media) nothing is mounted on it. */
        NO_MEDIUM,
        /** A medium with no vault on it: first-run setup may create one. */
        EMPTY,
        /** A vault (or the remains of one: a journal without its header) that is not open. */
        LOCKED,
        UNLOCKED
    }

    /**
     * The medium's state now. A journal without a header counts as LOCKED, not EMPTY: it is a
     * damaged vault, and setup would refuse to replace it anyway.
     */
    public MediumState mediumState() {
        if (vault != null) {
            return MediumState.UNLOCKED;
        }
        if (!Files.isDirectory(medium) || (expectsMountPoint(medium) && !mounted.test(medium))) {
            return MediumState.NO_MEDIUM;
        }
        if (Files.exists(medium.resolve(HEADER_FILE)) || Files.exists(medium.resolve(JOURNAL_FILE))) {
            return MediumState.LOCKED;
        }
        return MediumState.EMPTY;
    }

    /**
     * Whether {@code medium} lives where removable media are mounted ({@code /media},
     * {@code /mnt}, {@code /run/media}): there the directory exists whether or not a stick is
     * mounted on it (on the image, {@code /media/otpi-vault} sits on the RAM overlay root), so
     * only a mount point counts as a medium. Elsewhere (emulation, tests) a directory is enough.
     */
    static boolean expectsMountPoint(Path medium) {
        Path p = medium.toAbsolutePath().normalize();
        return p.getNameCount() >= 2 && (p.startsWith("/media") || p.startsWith("/mnt") || p.startsWith("/run/media"));
    }

    /** Whether {@code dir} is a mount point, from {@code /proc/self/mountinfo} (field 5, octal escapes). */
    static boolean isMountPoint(Path dir) {
        try {
            String real = dir.toRealPath().toString();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && unescape(f[4]).equals(real)) {
                    return true;
                }
            }
            return false;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
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

    /**
     * Panic: locks, destroys the wrapped vault key on the medium in place and replaces this
     * device's secret, so neither the medium nor any copy of it opens again. Irreversible.
     */
    public synchronized void panicWipe() throws VaultException {
        lock();
        Vault.destroyKey(medium, state);
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

    /** How long messages read on the device are kept unless the person sets it: a week. */
    public static final java.time.Duration DEFAULT_KEEP = java.time.Duration.ofDays(7);
    /** The keep setting's file in the state directory (a number of minutes; not a secret). */
    static final String KEEP_FILE = "keep-on-device";
    /** The longest keep the screen offers (a year, as {@code KioskMessage.SetKeep}). */
    static final long MAX_KEEP_MINUTES = 366L * 24 * 60;

    /**
     * How long a message read on the device is kept after it arrives before the device destroys
     * it; zero = until the person destroys it. The person sets it on the screen.
     */
    public java.time.Duration keepOnDevice() {
        Path f = state.resolve(KEEP_FILE);
        try {
            if (Files.exists(f)) {
                // anything the screen could not have written (damaged, edited) means the default
                long minutes = Long.parseLong(Files.readString(f).trim());
                if (minutes >= 0 && minutes <= MAX_KEEP_MINUTES) {
                    return java.time.Duration.ofMinutes(minutes);
                }
                Logger.warn("{} holds {} minutes, outside 0..{} (using the default)", f, minutes, MAX_KEEP_MINUTES);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            Logger.warn("unreadable {}: {} (using the default)", f, e.toString());
        }
        return DEFAULT_KEEP;
    }

    /** Sets {@link #keepOnDevice()} for messages from now on (written atomically, fsync'd). */
    public void keepOnDevice(java.time.Duration keep) throws java.io.IOException {
        if (keep.isNegative() || keep.toMinutes() > MAX_KEEP_MINUTES) {
            throw new IllegalArgumentException("keep outside 0 to a year");
        }
        Files.createDirectories(state);
        org.otpi.appliance.vault.Durable.writeAtomically(state.resolve(KEEP_FILE),
                (keep.toMinutes() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        fire("inbox");
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

    /** Something the screen shows changed: "status", "contacts", "log", "grants" or "inbox". */
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
