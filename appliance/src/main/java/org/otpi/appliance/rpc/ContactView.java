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
 */
public record ContactView(String name, String remoteId, long sendRemaining, long receiveRemaining,
                          boolean lowPad, boolean expired) {
    public ContactView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(remoteId, "remoteId");
    }
}
