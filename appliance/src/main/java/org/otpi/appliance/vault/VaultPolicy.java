package org.otpi.appliance.vault;

/**
 * Configurable vault behaviour.
 *
 * @param maxFailures  wrong PINs in a row after which the wrapped key is destroyed
 * @param freeAttempts wrong PINs allowed before delays start
 * @param baseDelayMillis delay after the first counted failure; doubles each time
 * @param maxDelayMillis cap on the delay
 * @param lowPadPercent default low-pad warning threshold, percent of a direction's capacity
 */
public record VaultPolicy(int maxFailures, int freeAttempts, long baseDelayMillis, long maxDelayMillis,
                          int lowPadPercent) {

    public static final VaultPolicy DEFAULT = new VaultPolicy(10, 3, 5_000, 3_600_000, 10);

    public VaultPolicy {
        if (maxFailures < 1 || freeAttempts < 0 || baseDelayMillis < 0 || maxDelayMillis < baseDelayMillis
                || lowPadPercent < 0 || lowPadPercent > 100) {
            throw new IllegalArgumentException("bad vault policy");
        }
    }

    /** Delay required after {@code failures} consecutive wrong PINs. */
    public long delayAfter(int failures) {
        if (failures <= freeAttempts) {
            return 0;
        }
        int doublings = Math.min(30, failures - freeAttempts - 1);
        return Math.min(maxDelayMillis, baseDelayMillis << doublings);
    }
}
