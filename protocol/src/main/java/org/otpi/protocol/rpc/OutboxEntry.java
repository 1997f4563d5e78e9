package org.otpi.protocol.rpc;

/**
 * A package sealed on the device from text written on its screen, waiting for the laptop to
 * carry it through the relay. Ciphertext only: the laptop never sees the text.
 *
 * @param id          what {@link OutboxAckRequest} names once the relay stored it
 * @param contact     the recipient as the device names them
 * @param to          the recipient's id (their relay user name)
 * @param packageData the package, base64
 * @param index       the pad index it used (public: it is in its header)
 * @param createdAt   epoch millis, the device's clock
 */
public record OutboxEntry(String id, String contact, String to, String packageData, long index, long createdAt) {
}
