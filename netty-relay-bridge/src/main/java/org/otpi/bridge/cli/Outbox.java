package org.otpi.bridge.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * Sealed packages the relay has not accepted yet ({@code HOME/outbox/*.json}, mode 600, written
 * atomically). Each carries one random idempotency key: a retry re-sends the same package with
 * the same key, so pad is burnt once per message, never once per attempt, and the relay stores a
 * retried send once. Contents are ciphertext only.
 *
 * <p>Thread-safe.
 */
final class Outbox {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One package waiting for the relay.
     *
     * @param key        the idempotency key (22 of {@code A-Z a-z 0-9 _ -})
     * @param to         the relay user
     * @param contact    the device contact whose pad sealed it
     * @param packageB64 the relay contents (base64)
     * @param index      the pad index it used
     * @param time       epoch millis when it was sealed
     * @param what       "message" or the name of a file
     */
    record Item(String key, String to, String contact, String packageB64, long index, long time, String what) {
    }

    private final Path dir;

    Outbox(Path home) {
        this.dir = home.resolve("outbox");
    }

    static String newKey() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** Keeps a freshly sealed package until the relay has it; returns once it is on disk. */
    synchronized Item put(Item item) throws IOException {
        PrivateFiles.dir(dir);
        PrivateFiles.writeAtomically(path(item), JSON.writeValueAsBytes(item));
        return item;
    }

    /**
     * Forgets a delivered package. Not fsync'd: if a crash brings it back, it is sent again with
     * the same key and the relay stores it once.
     */
    synchronized void remove(Item item) throws IOException {
        Files.deleteIfExists(path(item));
    }

    /** Waiting packages, oldest first. */
    synchronized List<Item> items() throws IOException {
        List<Item> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(x -> x.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    out.add(JSON.readValue(p.toFile(), Item.class));
                } catch (IOException unreadable) {
                    // a damaged file stays for the person to look at; it is not resent
                }
            }
        }
        return out;
    }

    private Path path(Item item) {
        return dir.resolve(String.format("%015d-%s.json", item.time(), item.key()));
    }
}
