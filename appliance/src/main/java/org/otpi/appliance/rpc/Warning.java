package org.otpi.appliance.rpc;

/** Findings about a received package that the person must see (DESIGN law 6). */
public enum Warning {
    /** Its index overlaps pad already opened: someone may be injecting packages. */
    REPLAY,
    /** Its index jumped ahead: packages in between were dropped or are late. */
    SKIP,
    /** It arrived after a later one (filled a gap). */
    LATE,
    /** The peer authenticated an "expired" status: the pad is now retired. */
    EXPIRED_BY_PEER,
    /** Authentication failed; reported with a rejected open. */
    FORGED
}
