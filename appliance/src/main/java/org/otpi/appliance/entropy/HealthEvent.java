package org.otpi.appliance.entropy;

import java.time.Instant;

/**
 * A change of a source's health, for the kiosk and the daemon.
 *
 * @param source the source's name, e.g. {@code "hrng:/dev/otpi-hrng"}
 * @param state the new state
 * @param failure why it failed; null unless {@code state == FAILED}
 * @param at when
 */
public record HealthEvent(String source, SourceHealth state, HealthFailure failure, Instant at) {
}
