package org.otpi.appliance.vault;

/**
 * A package sealed from text composed on the device ("write on the device"), waiting for the
 * laptop to carry it through the relay. Only ciphertext leaves: the laptop sees the package and the
 * recipient's relay id, never the text.
 *
 * @param id        opaque id, acknowledged by the laptop once the relay stored the package
 * @param contact   the recipient, as this device names them
 * @param remoteId  the recipient's id (their relay user name)
 * @param packageBytes the sealed package (OTPi v2)
 * @param index     the pad index the package used
 * @param createdAt epoch millis
 */
public record OutgoingPackage(String id, String contact, String remoteId, byte[] packageBytes, long index, long createdAt) {
}
