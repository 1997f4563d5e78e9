package org.otpi.appliance.exchange;

import java.time.Instant;
import org.otpi.appliance.entropy.PadOrigin;

/**
 * The public facts of a pad in transfer, sealed inside the package with it.
 *
 * @param size pad size in bytes
 * @param origin how the sender made it ({@code hrng+kernel} or {@code kernel}; the receiver
 *     records its copy as {@code imported} and keeps this as its provenance)
 * @param senderId the sender's id (ids ordered as UTF-8 bytes decide Person 0 and Person 1)
 * @param receiverId the receiver's id
 * @param createdAt when the package was made (seconds)
 * @param expiresAt when both sides retire the pad, or null for no agreed expiry
 */
public record TransferInfo(long size, PadOrigin origin, String senderId, String receiverId,
                           Instant createdAt, Instant expiresAt) {
    public TransferInfo {
        if (size < 64) {
            throw new IllegalArgumentException("pad too small");
        }
        if (senderId.isEmpty() || receiverId.isEmpty() || senderId.equals(receiverId)) {
            throw new IllegalArgumentException("a pad is shared by two different people");
        }
        createdAt = Instant.ofEpochSecond(createdAt.getEpochSecond());
        expiresAt = expiresAt == null ? null : Instant.ofEpochSecond(expiresAt.getEpochSecond());
    }
}
