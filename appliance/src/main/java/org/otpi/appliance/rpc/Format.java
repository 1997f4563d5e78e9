package org.otpi.appliance.rpc;

/** Package formats (DESIGN section 6). */
public enum Format {
    /** OTPi v2: header, XOR, one-time Poly1305 tag. Pad cost |m|+32. The default. */
    V2,
    /** One Time Chat v1, byte-compatible with the paper. Pad cost 2|m|+48. */
    OTC_V1,
    /** The CdOtP armored text block, for mail, files and paper. */
    ARMOR
}
