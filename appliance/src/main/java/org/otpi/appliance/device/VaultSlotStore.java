package org.otpi.appliance.device;

import java.io.IOException;
import java.util.Arrays;
import org.otpi.appliance.pad.InsecurePadAccess;
import org.otpi.appliance.tunnel.Direction;
import org.otpi.appliance.tunnel.SlotSecret;
import org.otpi.appliance.tunnel.SlotStore;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;

/**
 * Tunnel key slots from a site-link pad in the vault: slot {@code i} is the 120 bytes at
 * {@code 16 + 120 i}; used halves are destroyed on the medium (and journaled) like any pad.
 */
public final class VaultSlotStore implements SlotStore {
    private final Device device;
    private final String contact;
    private final long slots;

    public VaultSlotStore(Device device, String contact) throws IOException {
        this.device = device;
        this.contact = contact;
        try {
            this.slots = device.vault().siteLinkSlots(contact);
        } catch (VaultException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public long slotCount() {
        return slots;
    }

    @Override
    public SlotSecret read(long index) throws IOException {
        byte[] b = new byte[Vault.SLOT_LENGTH];
        try {
            // The tunnel holds its current keys in memory while it uses them.
            device.vault().readSiteLinkSlot(contact, index, b, InsecurePadAccess.iUnderstandThisMovesPadBytes());
            return SlotSecret.copyOf(b, 0);
        } catch (VaultException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            Arrays.fill(b, (byte) 0);
        }
    }

    @Override
    public void destroy(long index, Direction direction) throws IOException {
        destroyRange(index, index + 1, direction);
    }

    /**
     * Destroys this direction's key half of every slot below {@code to}. The tunnel destroys slots in
     * order, so this is a watermark: one small journal record however many slots (the vault stays
     * O(1) per slot for a tunnel that runs for years).
     */
    @Override
    public void destroyRange(long from, long to, Direction direction) throws IOException {
        try {
            device.vault().destroySiteLinkHalves(contact, direction == Direction.INITIATOR_TO_RESPONDER ? 0 : 1, to);
        } catch (VaultException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // the vault belongs to the device
    }
}
