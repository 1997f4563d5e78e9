package org.otpi.appliance.entropy;

/** Life of an entropy source. Only {@link #HEALTHY} sources give bytes. */
public enum SourceHealth {
    /** Opened; start-up tests not yet passed. */
    STARTING,
    /** Start-up tests passed and no continuous test has failed. */
    HEALTHY,
    /** A health test failed or the device went away: cut off for good. */
    FAILED,
    /** Closed by its owner. */
    CLOSED
}
