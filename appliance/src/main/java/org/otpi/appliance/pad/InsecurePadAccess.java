package org.otpi.appliance.pad;

/**
 * A capability token for the rare paths that must move pad bytes out of the pad store (the
 * encrypted backup and the in-person transfer, both of which re-encrypt them at once). Grep for
 * this name in review: every use is a place where pad bytes leave {@link PadFile}.
 */
public final class InsecurePadAccess {
    private static final InsecurePadAccess INSTANCE = new InsecurePadAccess();

    private InsecurePadAccess() {
    }

    /** Returns the token. Call sites must say in a comment why they need it. */
    public static InsecurePadAccess iUnderstandThisMovesPadBytes() {
        return INSTANCE;
    }
}
