package org.otpi.appliance.vault;

/**
 * Statistics of a contact's pad: safe to show anywhere (no pad bytes, no keys).
 *
 * @param contact          the contact's name
 * @param remoteId         the contact's id (orders Person 0/1; relay user id)
 * @param padId            public pad id, hex
 * @param size             pad size in bytes
 * @param source           where the pad bytes came from: hrng+kernel, kernel, imported, restored
 * @param kind             message or site-link
 * @param person           0 or 1 (this device's role)
 * @param sendCapacity     bytes of our half
 * @param sendUsed         bytes of our half used
 * @param receiveCapacity  bytes of the peer's half
 * @param receiveUsed      furthest point of the peer's half opened here
 * @param lowThreshold     low-pad warning threshold in bytes
 * @param expired          the pad is retired (no more sealing)
 * @param expiredBy        "local", "peer" or null
 * @param receiveOnly      restored without a high-water mark: sends again after the contact's ack
 *                         or a skip ahead
 * @param keptOpens        opened messages whose pad is kept until their client confirms
 * @param readOnDevice     messages from this contact are read on the device only
 */
public record PadStats(String contact, String remoteId, String padId, long size, String source, String kind,
                       int person, long sendCapacity, long sendUsed, long receiveCapacity, long receiveUsed,
                       long lowThreshold, boolean expired, String expiredBy, boolean receiveOnly, int keptOpens,
                       boolean readOnDevice) {

    public PadStats(String contact, String remoteId, String padId, long size, String source, String kind,
                    int person, long sendCapacity, long sendUsed, long receiveCapacity, long receiveUsed,
                    long lowThreshold, boolean expired, String expiredBy) {
        this(contact, remoteId, padId, size, source, kind, person, sendCapacity, sendUsed, receiveCapacity, receiveUsed,
                lowThreshold, expired, expiredBy, false, 0, false);
    }

    public long sendRemaining() {
        return sendCapacity - sendUsed;
    }

    public long receiveRemaining() {
        return receiveCapacity - receiveUsed;
    }

    /** True when our remaining pad is below the warning threshold. */
    public boolean low() {
        return sendRemaining() < lowThreshold;
    }
}
