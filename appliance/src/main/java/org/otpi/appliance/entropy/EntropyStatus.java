package org.otpi.appliance.entropy;

/**
 * A snapshot for the kiosk and the RPC health endpoint. Nothing secret.
 *
 * @param hardware the hardware source's name, or null if none is open
 * @param hardwareHealth its state, or null if none is open
 * @param failure why it was cut off, or null
 * @param padOrigin the origin a pad made now would have
 * @param feed the kernel feeder's counters, or null if it is not running
 */
public record EntropyStatus(String hardware, SourceHealth hardwareHealth, HealthFailure failure,
                            PadOrigin padOrigin, FeedStats feed) {
}
