package org.otpi.appliance.rpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Paired clients and their token hashes, kept in one file on the device ({@code clients} in the
 * state directory, mode 600, rewritten atomically).
 *
 * <p>Tokens are 32 random bytes, so a plain SHA-256 suffices as the stored verifier (nothing to
 * brute-force); comparisons are constant-time over every entry. The token itself exists on the
 * device only while it is being issued or checked.
 *
 * <p>Thread-safety: all methods are synchronized; lookups read an in-memory copy.
 */
public final class ClientRegistry {
    /** Client names: what the person sees on the device. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._-]{0,31}");
    static final int TOKEN_BYTES = 32;

    private final Path file;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, byte[]> hashes = new LinkedHashMap<>();

    private ClientRegistry(Path file) {
        this.file = file;
    }

    /** Loads (or starts) the registry in {@code stateDir}. */
    public static ClientRegistry open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        ClientRegistry registry = new ClientRegistry(stateDir.resolve("clients"));
        if (Files.exists(registry.file)) {
            for (String line : Files.readAllLines(registry.file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.lastIndexOf('\t');
                if (tab <= 0) {
                    throw new IOException("malformed clients file");
                }
                registry.hashes.put(line.substring(0, tab), HexFormat.of().parseHex(line.substring(tab + 1)));
            }
        }
        return registry;
    }

    /**
     * Issues a fresh token for {@code clientName}, replacing any earlier one under that name, and
     * stores its hash durably before returning it.
     */
    public synchronized String issue(String clientName) throws IOException {
        if (!NAME.matcher(clientName).matches()) {
            throw new IllegalArgumentException("bad client name");
        }
        byte[] token = new byte[TOKEN_BYTES];
        random.nextBytes(token);
        Map<String, byte[]> next = new LinkedHashMap<>(hashes);
        next.put(clientName, sha256(token));
        write(next);
        hashes.clear();
        hashes.putAll(next);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(token);
        java.util.Arrays.fill(token, (byte) 0);
        return encoded;
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
        String found = null;
        for (Map.Entry<String, byte[]> e : hashes.entrySet()) {
            if (MessageDigest.isEqual(e.getValue(), hash)) {
                found = e.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Names of the paired clients. */
    public synchronized List<String> clients() {
        return new ArrayList<>(hashes.keySet());
    }

    /** Forgets a client; its token stops working at once. */
    public synchronized boolean revoke(String clientName) throws IOException {
        if (!hashes.containsKey(clientName)) {
            return false;
        }
        Map<String, byte[]> next = new LinkedHashMap<>(hashes);
        next.remove(clientName);
        write(next);
        hashes.remove(clientName);
        return true;
    }

    private void write(Map<String, byte[]> entries) throws IOException {
        StringBuilder sb = new StringBuilder("# OTPi paired clients: name<TAB>sha256(token)\n");
        entries.forEach((name, hash) -> sb.append(name).append('\t').append(HexFormat.of().formatHex(hash)).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
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
