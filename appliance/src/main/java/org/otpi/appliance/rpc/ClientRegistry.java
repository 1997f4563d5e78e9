package org.otpi.appliance.rpc;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.otpi.appliance.securitylog.Redact;
import org.tinylog.Logger;

/**
 * Paired clients and their token hashes, kept in one file on the device ({@code clients} in the
 * state directory, mode 600, rewritten atomically).
 *
 * <p><b>The file is the truth, not this object.</b> Several processes change it: the daemon
 * (pairing, a revoke on the kiosk) and the operator's {@code otpi-appliance clients --revoke}.
 * So:
 * <ul>
 *   <li>every change takes an exclusive lock ({@code clients.lock}, also across processes),
 *       reads the file afresh, applies itself to what it read and writes the result: a process
 *       never writes its own, possibly stale, copy over a newer file (a revoked client never
 *       comes back);</li>
 *   <li>every lookup first checks whether the file changed (its identity, size and modification
 *       time; our writers make that time strictly increase) and reloads it if so: a revocation by
 *       another process takes effect on the very next request;</li>
 *   <li>a file that cannot be read or parsed authenticates nobody (fail closed) and is never
 *       overwritten; the damage goes to the security log.</li>
 * </ul>
 *
 * <p>Tokens are 32 random bytes, so a plain SHA-256 suffices as the stored verifier (nothing to
 * brute-force); comparisons are constant-time over every entry. The token itself exists on the
 * device only while it is being issued or checked.
 *
 * <p>Thread-safety: all methods are synchronized; changes also hold a JVM-wide lock and the file
 * lock.
 */
public final class ClientRegistry {
    /** Client names: what the person sees on the device. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}");
    static final int TOKEN_BYTES = 32;
    static final String FILE = "clients";
    private static final String HEADER = "# OTPi paired clients: name<TAB>sha256(token)\n";
    /** File locks are per process: threads of one JVM (two registries on one file) queue here first. */
    private static final Object JVM_WIDE = new Object();

    private final Path file;
    private final Path lockFile;
    private final SecureRandom random = new SecureRandom();
    private Map<String, byte[]> hashes = Map.of();
    /** What the in-memory copy was read from; null: not loaded (or the file was unusable). */
    private Snapshot loaded;
    /** Whether the last read succeeded; false: nobody authenticates. */
    private boolean usable;
    /** Whether a damage was logged and not yet its repair. */
    private boolean damaged;

    /** Identity of one version of the file: inode (file key), size, modification time. */
    private record Snapshot(Object key, long size, FileTime modified) {
        static Snapshot of(Path p) throws IOException {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return new Snapshot(a.fileKey(), a.size(), a.lastModifiedTime());
        }
    }

    private ClientRegistry(Path stateDir) {
        this.file = stateDir.resolve(FILE);
        this.lockFile = stateDir.resolve(FILE + ".lock");
    }

    /** The state directory the registry's file lives in (pairing keeps its daily counts there too). */
    Path stateDir() {
        return file.getParent();
    }

    /** Opens the registry in {@code stateDir}; throws if an existing file is damaged. */
    public static ClientRegistry open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        ClientRegistry registry = new ClientRegistry(stateDir);
        synchronized (registry) {
            registry.reload(false);
            if (!registry.usable) {
                throw new IOException("malformed clients file");
            }
        }
        return registry;
    }

    /**
     * Issues a fresh token for {@code clientName}, replacing any earlier one under that name, and
     * stores its hash durably (on top of the file as it is now) before returning it.
     */
    public synchronized String issue(String clientName) throws IOException {
        if (!NAME.matcher(clientName).matches()) {
            throw new IllegalArgumentException("bad client name");
        }
        byte[] token = new byte[TOKEN_BYTES];
        random.nextBytes(token);
        try {
            byte[] hash = sha256(token);
            change(entries -> {
                entries.put(clientName, hash);
                return true;
            });
            return Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        } finally {
            java.util.Arrays.fill(token, (byte) 0);
        }
    }

    /** The client name for a presented bearer token, checked in constant time per entry. */
    public synchronized Optional<String> authenticate(String token) {
        if (token == null || token.length() != 43) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (raw.length != TOKEN_BYTES) {
            return Optional.empty();
        }
        byte[] hash = sha256(raw);
        java.util.Arrays.fill(raw, (byte) 0);
        refresh();
        String found = null;
        for (Map.Entry<String, byte[]> e : hashes.entrySet()) {
            if (MessageDigest.isEqual(e.getValue(), hash)) {
                found = e.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Names of the paired clients, as the file says now. */
    public synchronized List<String> clients() {
        refresh();
        return new ArrayList<>(hashes.keySet());
    }

    /**
     * Forgets a client: the file is rewritten without it before this returns, so its token stops
     * working at once here and, in any other process using the same file, on its next lookup.
     */
    public synchronized boolean revoke(String clientName) throws IOException {
        Objects.requireNonNull(clientName, "clientName");
        return change(entries -> entries.remove(clientName) != null);
    }

    // --- the file --------------------------------------------------------------------------

    @FunctionalInterface
    private interface Change {
        /** Applies itself to the entries just read; false: nothing to write. */
        boolean apply(Map<String, byte[]> entries);
    }

    /** Lock, read the file afresh, apply, write, adopt. Never writes over a file it cannot read. */
    private boolean change(Change c) throws IOException {
        synchronized (JVM_WIDE) {
            try (FileChannel lockChannel = FileChannel.open(lockFile, java.util.Set.of(StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                 FileLock ignored = lockChannel.lock()) {
                reload(false); // what others changed meanwhile is logged, then built upon
                if (!usable) {
                    throw new IOException("the clients file is damaged: not changed (see the security log)");
                }
                Map<String, byte[]> next = new LinkedHashMap<>(hashes);
                if (!c.apply(next)) {
                    return false;
                }
                write(next);
                reload(true);
                return true;
            }
        }
    }

    /** Reloads if the file changed since it was read; a failure leaves nobody authenticated. */
    private void refresh() {
        try {
            Snapshot now = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? Snapshot.of(file) : null;
            if (usable && Objects.equals(now, loaded)) {
                return;
            }
        } catch (IOException e) {
            // fall through to reload, which says what is wrong
        }
        reload(false);
    }

    /**
     * Reads the file into memory. A missing file is "no clients". Anything unreadable or
     * malformed makes the registry unusable (nobody authenticates) until the file is fixed.
     *
     * @param quiet whether changes need no log line (our own writes log at the caller)
     */
    private void reload(boolean quiet) {
        Map<String, byte[]> before = hashes;
        try {
            Snapshot snap;
            List<String> lines;
            while (true) {
                try {
                    snap = Snapshot.of(file);
                    lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                    if (snap.equals(Snapshot.of(file))) {
                        break; // not replaced while we read it
                    }
                } catch (NoSuchFileException e) {
                    snap = null;
                    lines = List.of();
                    break;
                }
            }
            Map<String, byte[]> read = new LinkedHashMap<>();
            for (String line : lines) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.lastIndexOf('\t');
                String name = tab <= 0 ? "" : line.substring(0, tab);
                String hex = tab <= 0 ? "" : line.substring(tab + 1);
                if (!NAME.matcher(name).matches() || hex.length() != 64 || read.containsKey(name)) {
                    throw new IOException("malformed line");
                }
                read.put(name, HexFormat.of().parseHex(hex));
            }
            if (damaged) {
                Logger.tag("security").info("paired clients file readable again");
                damaged = false;
            }
            hashes = read;
            loaded = snap;
            usable = true;
            if (!quiet) {
                logChanges(before, read);
            }
        } catch (IOException | IllegalArgumentException e) {
            if (usable) {
                Logger.tag("security").error("paired clients file unreadable or damaged ({}): no client is accepted"
                        + " until it is fixed", e.getClass().getSimpleName());
                damaged = true;
            }
            hashes = Map.of();
            loaded = null;
            usable = false;
        }
    }

    /** Changes made by another process (the operator's command), as the daemon notices them. */
    private static void logChanges(Map<String, byte[]> before, Map<String, byte[]> after) {
        for (String name : before.keySet()) {
            if (!after.containsKey(name)) {
                Logger.tag("security").info("client {} no longer paired (revoked outside this process): its token"
                        + " is refused from now on", Redact.client(name));
            } else if (!MessageDigest.isEqual(before.get(name), after.get(name))) {
                Logger.tag("security").info("client {} has a new token (paired again outside this process)",
                        Redact.client(name));
            }
        }
    }

    private void write(Map<String, byte[]> entries) throws IOException {
        StringBuilder sb = new StringBuilder(HEADER);
        entries.forEach((name, hash) -> sb.append(name).append('\t').append(HexFormat.of().formatHex(hash)).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        FileTime previous = loaded == null ? null : loaded.modified();
        keepOwnerAndAdvanceTime(tmp, previous);
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            dir.force(true); // the rename itself
        } catch (IOException e) {
            // some file systems cannot fsync a directory; the rename is still atomic
        }
    }

    /**
     * Readers detect a change by (inode, size, mtime); an inode number can come back and a size
     * can repeat, so each version we write gets a modification time strictly after the one it
     * replaces. Run as root (the operator's command), the new file keeps the old one's owner so the
     * daemon can still read it.
     */
    private void keepOwnerAndAdvanceTime(Path tmp, FileTime previous) throws IOException {
        FileTime now = Files.getLastModifiedTime(tmp);
        if (previous != null && now.compareTo(previous) <= 0) {
            Files.setLastModifiedTime(tmp, FileTime.from(previous.toInstant().plusNanos(1_000)));
        }
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                UserPrincipal owner = Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
                if (!owner.equals(Files.getOwner(tmp))) {
                    Files.setOwner(tmp, owner);
                }
            } catch (IOException | UnsupportedOperationException e) {
                Logger.warn("could not keep the owner of {}: {}", file, e.toString());
            }
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
