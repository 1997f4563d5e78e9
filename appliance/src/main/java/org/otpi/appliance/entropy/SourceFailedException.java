package org.otpi.appliance.entropy;

import java.io.IOException;

/** A source was asked for bytes but is not healthy (failed a health test, gone, or closed). */
public final class SourceFailedException extends IOException {
    private final transient HealthFailure failure;

    public SourceFailedException(String message, HealthFailure failure) {
        super(message);
        this.failure = failure;
    }

    /** The failure that cut the source off, or null if it was closed or never started. */
    public HealthFailure failure() {
        return failure;
    }
}
