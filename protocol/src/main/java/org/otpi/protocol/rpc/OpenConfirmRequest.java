package org.otpi.protocol.rpc;

/**
 * {@code POST /api/v1/open/confirm}: the client has stored the message from {@code contact} at pad
 * {@code index} durably (in its history, fsync'd), so the device may destroy its kept copy.
 * Answered with {@link OpenConfirmResponse}; an index the device never opened from that contact is
 * {@link ErrorCodes#UNKNOWN_MESSAGE}.
 */
public record OpenConfirmRequest(String contact, long index) {
}
