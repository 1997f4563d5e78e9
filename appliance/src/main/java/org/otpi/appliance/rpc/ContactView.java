package org.otpi.appliance.rpc;

import java.util.Objects;

/**
 * What the device may say about a contact: names and counts only.
 *
 * @param name             the contact's name on this device
 * @param remoteId         the contact's id (their relay user name)
 * @param sendRemaining    pad bytes left in our direction
 * @param receiveRemaining pad bytes left in theirs
 * @param lowPad           below the low-pad threshold
 * @param expired          retired
 * @param readOnDevice     messages from this contact are read on the device's screen only
 */
public record ContactView(String name, String remoteId, long sendRemaining, long receiveRemaining,
                          boolean lowPad, boolean expired, boolean readOnDevice) {
    public ContactView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(remoteId, "remoteId");
    }

    /** A contact whose messages go to the laptop. */
    public ContactView(String name, String remoteId, long sendRemaining, long receiveRemaining, boolean lowPad,
                       boolean expired) {
        this(name, remoteId, sendRemaining, receiveRemaining, lowPad, expired, false);
    }
}
