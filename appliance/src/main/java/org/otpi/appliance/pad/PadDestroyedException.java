package org.otpi.appliance.pad;

import java.io.IOException;

/** A read touched pad bytes that were already destroyed (used before). */
public final class PadDestroyedException extends IOException {
    public PadDestroyedException(String message) {
        super(message);
    }
}
