package org.otpi.appliance.exchange;

/**
 * The CDOTP note's {@code Post-Message-Pad-Status} header: a sender may declare, inside an
 * authenticated message, that it will use the pad no more. "Expiry should be unconditionally
 * accepted": on receipt of an authenticated {@code Expired} the receiving side retires the pad
 * (the vault's {@code expire()}).
 */
public enum PadStatus {
    NORMAL("Normal"),
    EXPIRED("Expired");

    private final String header;

    PadStatus(String header) {
        this.header = header;
    }

    /** The header value: {@code Normal} or {@code Expired}. */
    public String headerValue() {
        return header;
    }

    public static PadStatus ofHeader(String value) {
        for (PadStatus s : values()) {
            if (s.header.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("Post-Message-Pad-Status must be Normal or Expired");
    }
}
