package org.otpi.appliance.vault;

/** Package formats the vault can seal (DESIGN section 6). */
public enum Format {
    /** OTPi v2: header, p_text XOR m, one-time Poly1305 tag. Pad cost |m|+32. The default. */
    V2,
    /** One Time Chat v1, byte-compatible with the paper. Pad cost 2|m|+48. */
    OTC_V1,
    /** The armored text form of a v2 package (CdOtP ... EOM). */
    ARMOR
}
