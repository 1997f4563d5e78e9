package org.otpi.relay;

/**
 * Every bound the relay enforces, in one place.
 *
 * @param maxPackageChars longest package (base64 characters) accepted
 * @param maxRecipients most recipients of one send
 * @param maxBodyBytes largest HTTP request body (the aggregator answers 413 beyond it)
 * @param fetchLimit most packages returned by one fetch
 * @param queueLimit most packages queued for one recipient; sends beyond it are refused
 * @param requestsPerSecond token-bucket refill per account (and per address for unauthenticated calls)
 * @param burst token-bucket capacity
 * @param registrationsPerSecond token-bucket refill for registrations per remote address
 * @param registrationBurst token-bucket capacity for registrations
 * @param idleSeconds an HTTP connection silent this long is closed; WebSockets are pinged at a third of it
 * @param onlineWindowMillis an account seen within this window is listed as online
 */
public record RelayLimits(
        int maxPackageChars,
        int maxRecipients,
        int maxBodyBytes,
        int fetchLimit,
        int queueLimit,
        double requestsPerSecond,
        int burst,
        double registrationsPerSecond,
        int registrationBurst,
        int idleSeconds,
        long onlineWindowMillis) {

    /** 256 KiB packages, 32 recipients, 100 requests/s per account. */
    public static RelayLimits defaults() {
        return new RelayLimits(350_000, 32, 512 * 1024, 500, 10_000, 100, 200, 2, 20, 60, 60_000);
    }

    public RelayLimits {
        if (maxPackageChars < 1 || maxRecipients < 1 || maxBodyBytes < 1024 || fetchLimit < 1 || queueLimit < 1
                || !(requestsPerSecond > 0) || burst < 1 || !(registrationsPerSecond > 0) || registrationBurst < 1
                || idleSeconds < 1 || onlineWindowMillis < 1) {
            throw new IllegalArgumentException("relay limits must be positive");
        }
    }

    public RelayLimits withRate(double perSecond, int newBurst) {
        return new RelayLimits(maxPackageChars, maxRecipients, maxBodyBytes, fetchLimit, queueLimit, perSecond, newBurst,
                registrationsPerSecond, registrationBurst, idleSeconds, onlineWindowMillis);
    }

    public RelayLimits withRegistrationRate(double perSecond, int newBurst) {
        return new RelayLimits(maxPackageChars, maxRecipients, maxBodyBytes, fetchLimit, queueLimit, requestsPerSecond,
                burst, perSecond, newBurst, idleSeconds, onlineWindowMillis);
    }

    public RelayLimits withSizes(int packageChars, int bodyBytes) {
        return new RelayLimits(packageChars, maxRecipients, bodyBytes, fetchLimit, queueLimit, requestsPerSecond, burst,
                registrationsPerSecond, registrationBurst, idleSeconds, onlineWindowMillis);
    }

    public RelayLimits withQueueLimit(int limit) {
        return new RelayLimits(maxPackageChars, maxRecipients, maxBodyBytes, fetchLimit, limit, requestsPerSecond, burst,
                registrationsPerSecond, registrationBurst, idleSeconds, onlineWindowMillis);
    }

    public RelayLimits withIdleSeconds(int seconds) {
        return new RelayLimits(maxPackageChars, maxRecipients, maxBodyBytes, fetchLimit, queueLimit, requestsPerSecond,
                burst, registrationsPerSecond, registrationBurst, seconds, onlineWindowMillis);
    }
}
