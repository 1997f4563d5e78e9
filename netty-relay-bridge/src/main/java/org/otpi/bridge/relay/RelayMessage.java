package org.otpi.bridge.relay;

/**
 * A package as the relay delivered it. Everything here is untrusted: the relay may have
 * invented, altered, repeated or reordered it; only the device can tell.
 *
 * @param ref the relay's reference number (deduplicate by it; store the next one to fetch from)
 * @param from sender account as the relay claims it
 * @param to recipient account
 * @param contents the sealed package, base64
 * @param sentAt when the relay says it stored it (epoch millis)
 */
public record RelayMessage(long ref, String from, String to, String contents, long sentAt) {
    @Override
    public String toString() {
        return "RelayMessage[ref=" + ref + ", " + from + "->" + to + ", " + (contents == null ? 0 : contents.length()) + " chars]";
    }
}
