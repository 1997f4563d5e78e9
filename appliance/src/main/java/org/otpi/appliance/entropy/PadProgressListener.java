package org.otpi.appliance.entropy;

/** Told of a pad generation's progress (at most about four times a second, and at the end). */
public interface PadProgressListener {
    PadProgressListener NONE = p -> { };

    void onProgress(PadProgress progress);

    /** A warning the person must see, e.g. that the pad is kernel-only. */
    default void onWarning(String message) {
    }
}
