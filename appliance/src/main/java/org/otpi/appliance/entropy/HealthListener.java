package org.otpi.appliance.entropy;

/**
 * Told of every health change of a source (the kiosk shows failures on screen). Called on the
 * thread that read the failing bytes; implementations must return quickly and not throw.
 */
@FunctionalInterface
public interface HealthListener {
    void onHealthChange(HealthEvent event);
}
