package org.otpi.appliance.exchange;

import java.io.IOException;
import java.io.InputStream;
import org.otpi.appliance.entropy.PadOrigin;

/**
 * A pad leaving this device for the other person, in the in-person exchange only. The vault
 * implements it (behind its own insecure-access token: this is the one path on which pad
 * bytes leave the vault, sealed under the transfer code).
 */
public interface PadExport {

    /** Pad size in bytes. */
    long size();

    /** Where the pad came from: {@code hrng+kernel} or {@code kernel}. */
    PadOrigin origin();

    /**
     * The whole pad from offset 0, exactly {@link #size()} bytes (the first 16 are the pad
     * id). The exchange reads it once, in order, and closes it.
     */
    InputStream openForTransfer() throws IOException;
}
