package org.otpi.appliance.vault;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.AEADBadTagException;
import org.otpi.appliance.crypto.Hkdf;
import org.otpi.appliance.crypto.XChaCha20Poly1305;
import org.otpi.appliance.io.Fsync;
import org.tinylog.Logger;

/**
 * Small items the device keeps in the vault besides pads: messages to be read on the device's
 * screen only, and sealed packages composed on the device waiting for the laptop to carry them.
 * Each item is one file, sealed on its own:
 *
 * <pre>
 *   items/ID   = XChaCha20-Poly1305(key, random nonce, aad = "otpi-item" | ID) of the item's JSON
 *   key        = HKDF-SHA256(vault key, "items", "otpi items v1")
 * </pre>
 *
 * <p>Guarantees: an item is on stable storage (file and directory fsync'd, written to a temp
 * file and renamed) before {@link #put} returns; a destroyed item is overwritten before its name is
 * removed; a file that fails authentication (swapped, cut, tampered) is ignored and logged. An old
 * copy of the medium can bring back destroyed items (it held them anyway: the whole medium is
 * encrypted for that reason). Thread-safety: synchronized.
 */
final class VaultItems implements AutoCloseable {
    static final String DIR = "items";
    private static final byte[] AAD = "otpi-item".getBytes(StandardCharsets.US_ASCII);
    private final Path dir;
    private final XChaCha20Poly1305 aead;

    /** One item as it is sealed in its file. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    static final class Item {
        public String id;
        public String kind;       // "device-message" | "outgoing"
        public String contact;
        public long index;
        public long createdAt;
        public long expiresAt;    // epoch millis; 0 = never
        public byte[] data;       // message text (device-message) or package bytes (outgoing)
    }

    VaultItems(Path medium, byte[] vaultKey) throws IOException {
        this.dir = medium.resolve(DIR);
        byte[] key = Hkdf.derive(vaultKey, "items".getBytes(StandardCharsets.US_ASCII), "otpi items v1", 32);
        this.aead = new XChaCha20Poly1305(key);
        Arrays.fill(key, (byte) 0);
    }

    /** Seals and stores a new item; returns its id. */
    synchronized String put(Item item) throws IOException {
        byte[] rnd = new byte[12];
        new SecureRandom().nextBytes(rnd);
        item.id = HexFormat.of().formatHex(rnd);
        byte[] json = Vault.JSON.writeValueAsBytes(item);
        byte[] sealed = aead.encrypt(json, 0, json.length, aad(item.id));
        Arrays.fill(json, (byte) 0);
        Files.createDirectories(dir);
        Path tmp = dir.resolve(item.id + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(sealed);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Durable.restrict(tmp);
        Files.move(tmp, dir.resolve(item.id), StandardCopyOption.ATOMIC_MOVE);
        Fsync.directory(dir);
        return item.id;
    }

    /** Every readable item of {@code kind}, oldest first. */
    synchronized List<Item> list(String kind) throws IOException {
        List<Item> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Vault.overwriteAndDelete(f); // an interrupted put
                    continue;
                }
                Item i = read(name);
                if (i != null && kind.equals(i.kind)) {
                    out.add(i);
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.createdAt, b.createdAt));
        return out;
    }

    /** The item with this id, or null. */
    synchronized Item get(String id) throws IOException {
        return id.matches("[0-9a-f]{24}") ? read(id) : null;
    }

    private Item read(String id) throws IOException {
        Path f = dir.resolve(id);
        if (!id.matches("[0-9a-f]{24}") || !Files.isRegularFile(f)) {
            return null;
        }
        byte[] sealed = Files.readAllBytes(f);
        try {
            byte[] json = aead.decrypt(sealed, 0, sealed.length, aad(id));
            Item i = Vault.JSON.readValue(json, Item.class);
            Arrays.fill(json, (byte) 0);
            return id.equals(i.id) ? i : null;
        } catch (AEADBadTagException e) {
            Logger.tag("security").warn("a vault item failed authentication and is ignored (tampered or damaged)");
            return null;
        }
    }

    /** Destroys an item (overwrite, then delete). True if it existed. */
    synchronized boolean destroy(String id) throws IOException {
        Path f = dir.resolve(id);
        if (!id.matches("[0-9a-f]{24}") || !Files.exists(f)) {
            return false;
        }
        Vault.overwriteAndDelete(f);
        Fsync.directory(dir);
        return true;
    }

    /** Destroys every item whose expiry has passed; returns how many. */
    synchronized int expire(long now) throws IOException {
        int n = 0;
        for (String kind : List.of("device-message", "outgoing")) {
            for (Item i : list(kind)) {
                if (i.expiresAt > 0 && i.expiresAt <= now && destroy(i.id)) {
                    n++;
                }
            }
        }
        return n;
    }

    private static byte[] aad(String id) {
        return ByteBuffer.allocate(AAD.length + id.length()).put(AAD).put(id.getBytes(StandardCharsets.US_ASCII)).array();
    }

    @Override
    public void close() {
        aead.close();
    }
}
