package org.otpi.appliance.tunnel;

import java.util.Arrays;

/**
 * Slots in a byte array, for tests and benchmarks. Nothing is durable: never use it for a real link.
 */
public final class InMemorySlotStore implements SlotStore {

    private final byte[] material;

    /** Takes a copy of {@code material}; its length must be a whole number of slots. */
    public InMemorySlotStore(byte[] material) {
        if (material.length % ProtocolConstants.SLOT_SIZE != 0) {
            throw new IllegalArgumentException("not a whole number of slots");
        }
        this.material = material.clone();
    }

    @Override
    public long slotCount() {
        return material.length / ProtocolConstants.SLOT_SIZE;
    }

    @Override
    public synchronized SlotSecret read(long index) {
        return SlotSecret.copyOf(material, Math.toIntExact(index * ProtocolConstants.SLOT_SIZE));
    }

    @Override
    public synchronized void destroy(long index, Direction direction) {
        int from = Math.toIntExact(index * ProtocolConstants.SLOT_SIZE) + direction.halfOffset();
        Arrays.fill(material, from, from + ProtocolConstants.HALF_SIZE, (byte) 0);
    }

    @Override
    public synchronized void close() {
        Arrays.fill(material, (byte) 0);
    }

    @Override
    public String toString() {
        return "InMemorySlotStore[" + slotCount() + " slots]";
    }
}
