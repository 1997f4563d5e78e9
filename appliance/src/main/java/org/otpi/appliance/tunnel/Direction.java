package org.otpi.appliance.tunnel;

/**
 * A direction of traffic, as written in the header's direction byte. Each direction owns one half
 * of every slot and its own sequence numbers.
 */
public enum Direction {
    /** Initiator to responder: header byte 0, first half of each slot ("A"). */
    INITIATOR_TO_RESPONDER(0),
    /** Responder to initiator: header byte 1, second half of each slot ("B"). */
    RESPONDER_TO_INITIATOR(1);

    private final int wire;

    Direction(int wire) {
        this.wire = wire;
    }

    /** The header byte. */
    public int wire() {
        return wire;
    }

    /** Offset of this direction's half inside a 120-byte slot. */
    int halfOffset() {
        return wire * ProtocolConstants.HALF_SIZE;
    }

    static Direction fromWire(int b) {
        if (b == 0) {
            return INITIATOR_TO_RESPONDER;
        }
        if (b == 1) {
            return RESPONDER_TO_INITIATOR;
        }
        return null;
    }
}
