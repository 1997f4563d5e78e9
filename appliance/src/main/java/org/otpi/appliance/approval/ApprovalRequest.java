package org.otpi.appliance.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * What the person is asked to approve: who asks, for which contact, what operation, and what it
 * costs in pad. Carries no message content and no pad bytes.
 *
 * @param id               unique id of this request (for cancel and the security log)
 * @param client           the paired client's name as the person named it at pairing
 * @param contact          the contact whose pad would be used
 * @param operation        seal, open or a file operation
 * @param messageLength    length of the message or file in bytes
 * @param padBytes         pad bytes this use consumes: a seal's from this device's half, an open's
 *                         from the sender's half (verified, decrypted, then destroyed); for a file
 *                         open, whose body is read only after the approval, an upper bound
 * @param padRemainingAfter pad bytes left in this direction after the use
 * @param deadline         when the request is denied if nobody answered
 */
public record ApprovalRequest(String id, String client, String contact, Operation operation,
                              long messageLength, long padBytes, long padRemainingAfter,
                              Instant deadline) {

    /** The kind of use. */
    public enum Operation { SEAL, OPEN, SEAL_FILE, OPEN_FILE }

    public ApprovalRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(deadline, "deadline");
        if (messageLength < 0 || padBytes < 0 || padRemainingAfter < 0) {
            throw new IllegalArgumentException("negative length");
        }
    }
}
