package org.otpi.appliance.vault;

/**
 * How to seal.
 *
 * @param format     package format
 * @param padLength  hide the message length (v2 and armor only)
 * @param expire     mark this the last message: the pad is retired here and, once the peer opens
 *                   the authenticated package, there too
 */
public record SealOptions(Format format, boolean padLength, boolean expire) {
    public static final SealOptions V2 = new SealOptions(Format.V2, false, false);
    public static final SealOptions OTC_V1 = new SealOptions(Format.OTC_V1, false, false);
    public static final SealOptions ARMOR = new SealOptions(Format.ARMOR, false, false);

    public SealOptions {
        if (format == Format.OTC_V1 && (padLength || expire)) {
            throw new IllegalArgumentException("OTC v1 has no padding and no expiry flag");
        }
    }
}
