package org.otpi.appliance.pad;

/**
 * Which way a person's stream runs through the pad (DESIGN section 4). Person 0 (the lower id as
 * UTF-8 bytes) reads forward from the first byte after the pad id; Person 1 reads backward from the
 * last byte.
 */
public enum Direction {
    FORWARD(+1),
    BACKWARD(-1);

    private final int step;

    Direction(int step) {
        this.step = step;
    }

    /** +1 or -1. */
    public int step() {
        return step;
    }
}
