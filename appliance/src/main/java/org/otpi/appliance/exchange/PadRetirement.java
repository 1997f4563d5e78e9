package org.otpi.appliance.exchange;

import java.time.Instant;
import java.util.HexFormat;

/**
 * A record that a pad is retired on this device (CDOTP "deregister a pad"), for the vault
 * and the security log. Deregistration tells the other side with an authenticated message
 * carrying {@link PadStatus#EXPIRED}; the pad's unused bytes are then destroyed on both
 * devices.
 *
 * @param padIdHex the pad id (32 hex digits)
 * @param reason why
 * @param at when
 */
public record PadRetirement(String padIdHex, Reason reason, Instant at) {

    public enum Reason {
        /** The person deregistered the pad here; the peer is told with an Expired status. */
        DEREGISTERED_HERE,
        /** The peer sent an authenticated Expired status: accepted unconditionally. */
        EXPIRED_BY_PEER,
        /** The expiry agreed at the exchange ({@link TransferInfo#expiresAt()}) has passed. */
        EXPIRY_DATE_PASSED,
        /** All pad in this side's direction is used. */
        EXHAUSTED
    }

    public PadRetirement {
        if (padIdHex.length() != 32) {
            throw new IllegalArgumentException("pad id is 16 bytes");
        }
        HexFormat.of().parseHex(padIdHex);
    }

    /** Whether a pad agreed to expire at {@code expiresAt} must be retired at {@code now}. */
    public static boolean expired(TransferInfo info, Instant now) {
        return info.expiresAt() != null && !now.isBefore(info.expiresAt());
    }
}
