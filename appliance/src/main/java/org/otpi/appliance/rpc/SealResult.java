package org.otpi.appliance.rpc;

import java.util.Objects;

/**
 * A sealed package (ciphertext, safe to hand to the client) and its cost.
 *
 * @param packageBytes  the package in the requested format
 * @param padUsed       pad bytes consumed
 * @param sendRemaining pad bytes left towards this contact
 * @param lowPad        the pad is now below the low-pad threshold
 * @param index         the pad index of the package's first pad byte (public: it is in the header)
 */
public record SealResult(byte[] packageBytes, long padUsed, long sendRemaining, boolean lowPad, long index) {
    public SealResult {
        Objects.requireNonNull(packageBytes, "packageBytes");
    }

    @Override
    public String toString() {
        return "SealResult[" + packageBytes.length + " bytes, padUsed=" + padUsed
                + ", sendRemaining=" + sendRemaining + ", lowPad=" + lowPad + ", index=" + index + "]";
    }
}
