package org.otpi.appliance.entropy;

/** Where a pad's bytes came from (DESIGN section 4), recorded with the pad and shown to the person. */
public enum PadOrigin {
    /** Healthy HRNG output XOR kernel CSPRNG output. */
    HRNG_KERNEL("hrng+kernel"),
    /** Kernel CSPRNG only: no healthy HRNG was available. The person is warned. */
    KERNEL("kernel"),
    /** Received from the other person in an in-person exchange. */
    IMPORTED("imported");

    private final String label;

    PadOrigin(String label) {
        this.label = label;
    }

    /** The label stored in pad metadata: {@code hrng+kernel}, {@code kernel}, {@code imported}. */
    public String label() {
        return label;
    }

    public static PadOrigin ofLabel(String label) {
        for (PadOrigin o : values()) {
            if (o.label.equals(label)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown pad origin");
    }
}
