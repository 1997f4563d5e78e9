package org.otpi.appliance.tunnel;

/** Which end of the link we are; fixed per link in the configuration, opposite on the peer. */
public enum Role {
    INITIATOR,
    RESPONDER;

    /** The direction we send in. */
    public Direction tx() {
        return this == INITIATOR ? Direction.INITIATOR_TO_RESPONDER : Direction.RESPONDER_TO_INITIATOR;
    }

    /** The direction we receive in. */
    public Direction rx() {
        return this == INITIATOR ? Direction.RESPONDER_TO_INITIATOR : Direction.INITIATOR_TO_RESPONDER;
    }
}
