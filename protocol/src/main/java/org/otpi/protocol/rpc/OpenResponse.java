package org.otpi.protocol.rpc;

import java.util.List;

/**
 * The opened message (base64) and the device's warnings about it ({@code REPLAY}, {@code SKIP},
 * {@code LATE}, {@code EXPIRED_BY_PEER}); the client must show every warning to the person.
 *
 * <p>The device keeps the opened message until the client confirms it has stored it
 * ({@link OpenConfirmRequest}); opening the very same package again before that returns the kept
 * copy with {@code repeat = true}. A repeat is the client (or the relay) retrying after a lost
 * answer, not an attack: the client must not show it twice.
 *
 * @param message          the plaintext, base64
 * @param warnings         what the device noticed (from the first open, for a repeat)
 * @param receiveRemaining pad bytes the contact may still use towards us
 * @param index            the pad index the package used (what the client confirms)
 * @param repeat           this package was opened before and this is the device's kept copy
 * @param shownOnDevice    the message is read on the device's screen only (the contact's setting
 *                         or the person's choice there): {@code message} is empty, the laptop
 *                         never gets its text; there is nothing to confirm
 */
public record OpenResponse(String message, List<String> warnings, long receiveRemaining, long index, boolean repeat,
                           boolean shownOnDevice) {
    @com.fasterxml.jackson.annotation.JsonCreator
    public OpenResponse {
        warnings = List.copyOf(warnings);
    }

    /** An opened message handed to the laptop. */
    public OpenResponse(String message, List<String> warnings, long receiveRemaining, long index, boolean repeat) {
        this(message, warnings, receiveRemaining, index, repeat, false);
    }
}
