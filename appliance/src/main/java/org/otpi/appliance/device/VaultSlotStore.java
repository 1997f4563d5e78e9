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
    private static final int HALF = Vault.SLOT_LENGTH / 2;
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

    @Override
    public void destroyRange(long from, long to, Direction direction) throws IOException {
        try {
            Vault v = device.vault();
            for (long i = from; i < to; i++) {
                long lo = 16 + i * Vault.SLOT_LENGTH + (direction == Direction.INITIATOR_TO_RESPONDER ? 0 : HALF);
                v.destroySiteLinkRange(contact, lo, lo + HALF);
            }
        } catch (VaultException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // the vault belongs to the device
    }
}
