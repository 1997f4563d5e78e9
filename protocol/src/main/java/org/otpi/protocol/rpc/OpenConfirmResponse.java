package org.otpi.protocol.rpc;

/** The device no longer keeps the opened message at {@code index} (confirming twice is fine). */
public record OpenConfirmResponse(long index) {
}
