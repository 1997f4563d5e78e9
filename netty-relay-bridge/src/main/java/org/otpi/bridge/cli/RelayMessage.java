package org.otpi.bridge.cli;

import java.util.Objects;

/**
 * A message as the relay delivers it. Nothing here is trusted: {@code from} is what the relay
 * claims; the device decides whether the package really is from that contact.
 *
 * @param ref        the relay's reference number (increasing per recipient)
 * @param from       claimed sender
 * @param to         recipient
 * @param packageB64 the sealed package, base64
 */
public record RelayMessage(long ref, String from, String to, String packageB64) {
    public RelayMessage {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(packageB64, "packageB64");
    }
}
