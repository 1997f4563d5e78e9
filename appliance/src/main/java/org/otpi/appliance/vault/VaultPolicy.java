package org.otpi.appliance.vault;

/**
 * Configurable vault behaviour.
 *
 * @param maxFailures  wrong PINs in a row after which the wrapped key is destroyed
 * @param freeAttempts wrong PINs allowed before delays start
 * @param baseDelayMillis delay after the first counted failure; doubles each time
 * @param maxDelayMillis cap on the delay
 * @param lowPadPercent default low-pad warning threshold, percent of a direction's capacity
 * @param keepOpenedMillis how long the pad of a message opened for a client is kept while the
 *                         client has not confirmed that it has the message (the same package can be
 *                         opened again meanwhile, as a repeat); then it is destroyed
 */
public record VaultPolicy(int maxFailures, int freeAttempts, long baseDelayMillis, long maxDelayMillis,
                          int lowPadPercent, long keepOpenedMillis) {

    /** Seven days: long enough for a laptop to come back, short enough not to hoard pad. */
    public static final long DEFAULT_KEEP_OPENED_MILLIS = 7L * 24 * 3600 * 1000;
    public static final VaultPolicy DEFAULT = new VaultPolicy(10, 3, 5_000, 3_600_000, 10);

    public VaultPolicy {
        if (maxFailures < 1 || freeAttempts < 0 || baseDelayMillis < 0 || maxDelayMillis < baseDelayMillis
                || lowPadPercent < 0 || lowPadPercent > 100 || keepOpenedMillis < 0) {
            throw new IllegalArgumentException("bad vault policy");
        }
    }

    public VaultPolicy(int maxFailures, int freeAttempts, long baseDelayMillis, long maxDelayMillis, int lowPadPercent) {
        this(maxFailures, freeAttempts, baseDelayMillis, maxDelayMillis, lowPadPercent, DEFAULT_KEEP_OPENED_MILLIS);
    }

    /** This policy with another keep period for unconfirmed opens. */
    public VaultPolicy withKeepOpenedMillis(long millis) {
        return new VaultPolicy(maxFailures, freeAttempts, baseDelayMillis, maxDelayMillis, lowPadPercent, millis);
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
