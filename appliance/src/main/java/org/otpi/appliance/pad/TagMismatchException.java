package org.otpi.appliance.pad;

/** A package failed its integrity check: forged, corrupted, or meant for another pad. */
public final class TagMismatchException extends Exception {
    public TagMismatchException() {
        super("package failed authentication");
    }
}
