package org.otpi.appliance.approval;

import java.time.Instant;
import java.util.Objects;

/**
 * What the person is asked to approve: who asks, for which contact, what operation, what it
 * costs in pad, and what the screen must show of the content ({@link Details}, DESIGN section 8:
 * the screen tells the truth). Carries no pad bytes.
 *
 * @param id               unique id of this request (for cancel and the security log)
 * @param client           the paired client's name as the person named it at pairing
 * @param contact          the contact whose pad would be used, as the vault names it
 * @param operation        seal, open or a file operation
 * @param messageLength    length of the message or file in bytes (for an open: what the package
 *                         declares, see {@link Details#lengthUpTo()})
 * @param padBytes         pad bytes this use consumes: a seal's from this device's half, an open's
 *                         from the sender's half (verified, decrypted, then destroyed); for a file
 *                         open, whose body is read only after the approval, an upper bound
 * @param padRemainingAfter pad bytes left in this direction after the use
 * @param deadline         when the request is denied if nobody answered
 * @param details          what the screen shows of the content
 */
public record ApprovalRequest(String id, String client, String contact, Operation operation,
                              long messageLength, long padBytes, long padRemainingAfter,
                              Instant deadline, Details details) {

    /** The kind of use. */
    public enum Operation { SEAL, OPEN, SEAL_FILE, OPEN_FILE }

    /**
     * The content as the device knows it, never as the laptop describes it.
     *
     * @param contactId    the contact's id (relay user name) from the vault
     * @param text         exactly the bytes a SEAL will seal (shown on the screen), else empty
     * @param fileName     a file's name as the laptop gives it (a label only), else empty
     * @param fingerprint  the short SHA-256 fingerprint of a file to seal (checked against the
     *                     body before the package is complete), else empty
     * @param lengthUpTo   the message length is an upper bound (a padded package, a sealed file)
     * @param readOnDevice messages from this contact are read on the device only (its setting)
     */
    public record Details(String contactId, byte[] text, String fileName, String fingerprint, boolean lengthUpTo,
                          boolean readOnDevice) {
        /** Nothing to show beyond the request's numbers. */
        public static final Details NONE = new Details("", new byte[0], "", "", false, false);

        public Details {
            Objects.requireNonNull(contactId, "contactId");
            text = text == null ? new byte[0] : text;
            fileName = fileName == null ? "" : fileName;
            fingerprint = fingerprint == null ? "" : fingerprint;
        }

        @Override
        public String toString() {
            return "Details[contactId=" + contactId + ", text=<" + text.length + " bytes>, fileName=<hidden>, fingerprint="
                    + fingerprint + ", lengthUpTo=" + lengthUpTo + ", readOnDevice=" + readOnDevice + "]";
        }
    }

    public ApprovalRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(contact, "contact");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(details, "details");
        if (messageLength < 0 || padBytes < 0 || padRemainingAfter < 0) {
            throw new IllegalArgumentException("negative length");
        }
    }

    /** A request with nothing to show beyond its numbers (tests, demos, buttons-only devices). */
    public ApprovalRequest(String id, String client, String contact, Operation operation, long messageLength,
                           long padBytes, long padRemainingAfter, Instant deadline) {
        this(id, client, contact, operation, messageLength, padBytes, padRemainingAfter, deadline, Details.NONE);
    }

    @Override
    public String toString() {
        return "ApprovalRequest[id=" + id + ", client=" + client + ", operation=" + operation + ", messageLength="
                + messageLength + ", padBytes=" + padBytes + ", details=" + details + "]";
    }
}
