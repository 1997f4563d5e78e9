package org.otpi.relay.store;

import java.util.Objects;

/**
 * One sealed package waiting for one recipient. {@code contents} is opaque to the relay (base64
 * text for the v1 API; any printable text for the legacy endpoints).
 *
 * @param ref monotonically increasing reference number, unique across the whole relay (all nodes)
 * @param sender account that sent it (claimed, for the legacy endpoints)
 * @param recipient account it waits for
 * @param contents the opaque package
 * @param createdMillis wall-clock time the relay stored it
 */
public record StoredMessage(long ref, String sender, String recipient, String contents, long createdMillis) {
    public StoredMessage {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(contents, "contents");
    }

    /** Same message with other contents (used by the chaos filter to corrupt a delivery). */
    public StoredMessage withContents(String newContents) {
        return new StoredMessage(ref, sender, recipient, newContents, createdMillis);
    }

    @Override
    public String toString() {
        // Contents are opaque ciphertext, but there is no reason to spill them into logs.
        return "StoredMessage[ref=" + ref + ", " + sender + "->" + recipient + ", " + contents.length() + " chars]";
    }
}
