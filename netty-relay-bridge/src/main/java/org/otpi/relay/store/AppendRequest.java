package org.otpi.relay.store;

import java.util.List;
import java.util.Objects;

/**
 * One send as the store sees it: one package (stored once) queued for every recipient.
 *
 * @param sender account that sends (a claim for the paper's {@code /send})
 * @param recipients distinct recipients, in the order the refs are returned
 * @param contents the opaque package (its length in characters is its size in bytes: base64 or printable ASCII)
 * @param nowMillis time stored
 * @param idempotencyKey null, or the client's key: a second request with the same sender and key is
 *     not stored again and gets the refs of the first (kept until {@link RelayStore#purgeOlderThan})
 * @param requestHash with a key: a digest of recipients and contents, so a key reused for another
 *     package is refused instead of answered with unrelated refs
 * @param requireAccounts refuse the send unless every recipient is a registered account
 * @param maxQueued most packages queued for one recipient (checked in the same transaction as the insert)
 * @param maxQueuedBytes most bytes queued for one recipient
 */
public record AppendRequest(String sender, List<String> recipients, String contents, long nowMillis,
                            String idempotencyKey, byte[] requestHash, boolean requireAccounts,
                            int maxQueued, long maxQueuedBytes) {
    public AppendRequest {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(contents, "contents");
        recipients = List.copyOf(recipients);
        if (idempotencyKey != null && requestHash == null) {
            throw new IllegalArgumentException("an idempotency key needs the request hash");
        }
    }

    /** No account check, no quota, no key: what {@link RelayStore#append} does. */
    public static AppendRequest unchecked(String sender, List<String> recipients, String contents, long nowMillis) {
        return new AppendRequest(sender, recipients, contents, nowMillis, null, null, false, Integer.MAX_VALUE, Long.MAX_VALUE);
    }

    /** Bytes one recipient's queue grows by. */
    public int size() {
        return contents.length();
    }
}
