package org.otpi.appliance.rpc;

import java.util.Objects;

/**
 * A package sealed on the device from text written on its screen, waiting for the laptop to carry
 * it. Ciphertext only.
 *
 * @param id           what the laptop acknowledges once the relay stored it
 * @param contact      the recipient as the device names them
 * @param remoteId     the recipient's id (their relay user name)
 * @param packageBytes the package
 * @param index        the pad index it used
 * @param createdAt    epoch millis
 */
public record OutgoingView(String id, String contact, String remoteId, byte[] packageBytes, long index, long createdAt) {
    public OutgoingView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(packageBytes, "packageBytes");
    }

    @Override
    public String toString() {
        return "OutgoingView[id=" + id + ", " + packageBytes.length + " bytes, index=" + index + "]";
    }
}
