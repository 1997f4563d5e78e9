package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.otpi.protocol.format.ArmoredMessage;
import org.tinylog.Logger;

/**
 * Reading and writing on the device (DESIGN section 8): text that never reaches the laptop.
 * Messages opened for the device's screen are sealed into the vault's item store before their pad
 * is destroyed; text composed on the device is sealed at once and only its package waits for the
 * laptop to carry it. Get it from {@link Vault#onDevice()}; thread-safe as the vault is.
 */
public final class OnDevice {
    private static final String MESSAGE = "device-message";
    private static final String OUTGOING = "outgoing";
    private final Vault vault;

    OnDevice(Vault vault) {
        this.vault = vault;
    }

    /**
     * Opens a package (v1, v2 or armored text) for the device's own screen: the text is sealed into
     * the vault's item store, the pad destroyed only after that is durable, and nothing of the text
     * is returned. Kept until {@code expiresAt} (epoch millis; 0 = until destroyed on the device).
     */
    public DeviceMessage open(String contact, byte[] pkg, long expiresAt) throws VaultException {
        String head = new String(pkg, 0, Math.min(pkg.length, 32), StandardCharsets.US_ASCII).stripLeading();
        Opened o = head.startsWith(ArmoredMessage.BEGIN)
                ? vault.openArmored(contact, new String(pkg, StandardCharsets.UTF_8), true)
                : vault.open(contact, pkg, true);
        try {
            VaultItems.Item i = new VaultItems.Item();
            i.kind = MESSAGE;
            i.contact = contact;
            i.index = o.index();
            i.createdAt = vault.clock().millis();
            i.expiresAt = expiresAt;
            i.data = o.message();
            String id = vault.items().put(i);
            Logger.tag("security").info("a message was kept to be read on the device only (pad index {})", o.index());
            vault.confirmOpened(contact, o.index());
            return new DeviceMessage(id, contact, o.index(), i.createdAt, expiresAt, o.message().length);
        } catch (IOException e) {
            throw new VaultException(VaultException.Kind.IO, "cannot keep the message: " + e.getMessage(), e);
        } finally {
            Arrays.fill(o.message(), (byte) 0);
        }
    }

    /** The messages kept to be read on the device, oldest first (expired ones are destroyed first). */
    public List<DeviceMessage> messages() throws VaultException {
        return vault.itemOp(() -> {
            VaultItems items = vault.items();
            items.expire(vault.clock().millis());
            List<DeviceMessage> out = new ArrayList<>();
            for (VaultItems.Item i : items.list(MESSAGE)) {
                out.add(new DeviceMessage(i.id, i.contact, i.index, i.createdAt, i.expiresAt, i.data.length));
                Arrays.fill(i.data, (byte) 0);
            }
            return out;
        });
    }

    /** The text of a message kept for the device's screen (the caller wipes it), or null. */
    public byte[] read(String id) throws VaultException {
        return vault.itemOp(() -> {
            VaultItems.Item i = vault.items().get(id);
            return i != null && MESSAGE.equals(i.kind) ? i.data : null;
        });
    }

    /** Destroys a message kept for the device's screen; true if it existed. */
    public boolean destroy(String id) throws VaultException {
        return vault.itemOp(() -> {
            boolean gone = vault.items().destroy(id);
            if (gone) {
                Logger.tag("security").info("a message kept on the device was destroyed");
            }
            return gone;
        });
    }

    /**
     * Seals text composed on the device for {@code contact} and keeps the package until the laptop
     * has carried it (see {@link #outgoing()}); the text never leaves the device.
     */
    public OutgoingPackage seal(String contact, byte[] text, SealOptions o) throws VaultException {
        Sealed s = vault.seal(contact, text, o);
        return vault.itemOp(() -> {
            VaultItems.Item i = new VaultItems.Item();
            i.kind = OUTGOING;
            i.contact = contact;
            i.index = s.index();
            i.createdAt = vault.clock().millis();
            i.data = s.packageBytes();
            String id = vault.items().put(i);
            return new OutgoingPackage(id, contact, vault.remoteIdOf(contact), s.packageBytes(), s.index(), i.createdAt);
        });
    }

    /** Packages sealed on the device that the laptop has not carried yet, oldest first. */
    public List<OutgoingPackage> outgoing() throws VaultException {
        return vault.itemOp(() -> {
            List<OutgoingPackage> out = new ArrayList<>();
            for (VaultItems.Item i : vault.items().list(OUTGOING)) {
                out.add(new OutgoingPackage(i.id, i.contact, vault.remoteIdOf(i.contact), i.data, i.index, i.createdAt));
            }
            return out;
        });
    }

    /** The laptop carried an outgoing package (the relay stored it): forget it. True if it existed. */
    public boolean outgoingSent(String id) throws VaultException {
        return vault.itemOp(() -> vault.items().destroy(id));
    }

    /**
     * Whether messages from {@code contact} are read on the device only (the laptop then never gets
     * their text). A setting of the contact, kept in the journal.
     */
    public PadStats setReadOnDevice(String contact, boolean onDevice) throws VaultException {
        return vault.withContact(contact, e -> {
            e.contact.readOnDevice = onDevice ? Boolean.TRUE : null;
            vault.persistWhole(e);
            Logger.tag("security").info("read-on-device turned {} for a contact", onDevice ? "on" : "off");
            return vault.stats(e);
        });
    }
}
