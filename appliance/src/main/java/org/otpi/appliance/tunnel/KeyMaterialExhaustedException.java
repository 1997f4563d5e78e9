package org.otpi.appliance.tunnel;

import java.io.IOException;

/** The sender reached the end of the key material: the link cannot send any more, by design. */
public final class KeyMaterialExhaustedException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyMaterialExhaustedException(String message) {
        super(message);
    }
}
