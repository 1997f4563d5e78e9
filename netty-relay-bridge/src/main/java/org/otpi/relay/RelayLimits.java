package org.otpi.relay;

/**
 * Every bound the relay enforces, in one place. Build variations with {@link #toBuilder()} or
 * the {@code with...} shortcuts.
 *
 * @param maxPackageChars longest package (base64 characters) accepted
 * @param maxRecipients most recipients of one send
 * @param maxBodyBytes largest HTTP request body (413 beyond it)
 * @param fetchLimit most packages returned by one fetch
 * @param fetchBytes most bytes of packages returned by one fetch (one larger package still comes alone)
 * @param queueLimit most packages queued for one recipient; sends beyond it are refused (429)
 * @param queueBytes most bytes queued for one recipient (429 beyond it)
 * @param requestsPerSecond token-bucket refill per account (and per client address for unauthenticated calls)
 * @param burst token-bucket capacity
 * @param registrationsPerSecond token-bucket refill for registrations per client address
 * @param registrationBurst token-bucket capacity for registrations
 * @param idleSeconds an HTTP connection silent this long is closed; WebSockets are pinged at a third of it
 * @param requestSeconds a request must arrive whole (headers and body) within this long of its first byte (408 beyond)
 * @param onlineWindowMillis an account seen within this window is listed as online
 * @param maxConnections most open connections on this node (further ones are closed at once)
 * @param maxConnectionsPerAddress most open connections from one client address
 * @param memoryBudgetBytes bytes of request bodies, fetch answers and pushes held at once (0 = a quarter of the heap)
 * @param wsMaxFrameBytes largest WebSocket frame accepted from a client
 * @param wsPendingAcks most acknowledged refs a WebSocket session may have waiting; beyond it the relay stops reading it
 * @param usersListed most accounts in {@code /users}
 * @param usersActiveDays accounts active within this many days are listed; never-active ones for a week after registering
 */
public record RelayLimits(
        int maxPackageChars,
        int maxRecipients,
        int maxBodyBytes,
        int fetchLimit,
        int fetchBytes,
        int queueLimit,
        long queueBytes,
        double requestsPerSecond,
        int burst,
        double registrationsPerSecond,
        int registrationBurst,
        int idleSeconds,
        int requestSeconds,
        long onlineWindowMillis,
        int maxConnections,
        int maxConnectionsPerAddress,
        long memoryBudgetBytes,
        int wsMaxFrameBytes,
        int wsPendingAcks,
        int usersListed,
        int usersActiveDays) {

    /** 256 KiB packages, 32 recipients, 100 requests/s per account, 64 MiB per inbox. */
    public static RelayLimits defaults() {
        return new RelayLimits(350_000, 32, 512 * 1024, 500, 512 * 1024, 10_000, 64L << 20, 100, 200, 2, 20, 60, 30,
                60_000, 8192, 128, 0, 64 * 1024, 4096, 1000, 30);
    }

    public RelayLimits {
        if (maxPackageChars < 1 || maxRecipients < 1 || maxBodyBytes < 1024 || fetchLimit < 1 || fetchBytes < 1
                || queueLimit < 1 || queueBytes < 1 || !(requestsPerSecond > 0) || burst < 1 || !(registrationsPerSecond > 0)
                || registrationBurst < 1 || idleSeconds < 1 || requestSeconds < 1 || onlineWindowMillis < 1
                || maxConnections < 1 || maxConnectionsPerAddress < 1 || memoryBudgetBytes < 0 || wsMaxFrameBytes < 1024
                || wsPendingAcks < 1 || usersListed < 1 || usersActiveDays < 1) {
            throw new IllegalArgumentException("relay limits must be positive");
        }
    }

    /** The memory budget in bytes: the configured one, or a quarter of the maximum heap. */
    public long effectiveMemoryBudget() {
        return memoryBudgetBytes > 0 ? memoryBudgetBytes : Math.max(8L << 20, Runtime.getRuntime().maxMemory() / 4);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public RelayLimits withRate(double perSecond, int newBurst) {
        return toBuilder().rate(perSecond, newBurst).build();
    }

    public RelayLimits withRegistrationRate(double perSecond, int newBurst) {
        return toBuilder().registrationRate(perSecond, newBurst).build();
    }

    public RelayLimits withSizes(int packageChars, int bodyBytes) {
        return toBuilder().maxPackageChars(packageChars).maxBodyBytes(bodyBytes).build();
    }

    public RelayLimits withQueueLimit(int limit) {
        return toBuilder().queueLimit(limit).build();
    }

    public RelayLimits withIdleSeconds(int seconds) {
        return toBuilder().idleSeconds(seconds).build();
    }

    /** Mutable copy of a {@link RelayLimits}. */
    public static final class Builder {
        private int maxPackageChars;
        private int maxRecipients;
        private int maxBodyBytes;
        private int fetchLimit;
        private int fetchBytes;
        private int queueLimit;
        private long queueBytes;
        private double requestsPerSecond;
        private int burst;
        private double registrationsPerSecond;
        private int registrationBurst;
        private int idleSeconds;
        private int requestSeconds;
        private long onlineWindowMillis;
        private int maxConnections;
        private int maxConnectionsPerAddress;
        private long memoryBudgetBytes;
        private int wsMaxFrameBytes;
        private int wsPendingAcks;
        private int usersListed;
        private int usersActiveDays;

        private Builder(RelayLimits l) {
            maxPackageChars = l.maxPackageChars;
            maxRecipients = l.maxRecipients;
            maxBodyBytes = l.maxBodyBytes;
            fetchLimit = l.fetchLimit;
            fetchBytes = l.fetchBytes;
            queueLimit = l.queueLimit;
            queueBytes = l.queueBytes;
            requestsPerSecond = l.requestsPerSecond;
            burst = l.burst;
            registrationsPerSecond = l.registrationsPerSecond;
            registrationBurst = l.registrationBurst;
            idleSeconds = l.idleSeconds;
            requestSeconds = l.requestSeconds;
            onlineWindowMillis = l.onlineWindowMillis;
            maxConnections = l.maxConnections;
            maxConnectionsPerAddress = l.maxConnectionsPerAddress;
            memoryBudgetBytes = l.memoryBudgetBytes;
            wsMaxFrameBytes = l.wsMaxFrameBytes;
            wsPendingAcks = l.wsPendingAcks;
            usersListed = l.usersListed;
            usersActiveDays = l.usersActiveDays;
        }

        public Builder maxPackageChars(int v) {
            maxPackageChars = v;
            return this;
        }

        public Builder maxRecipients(int v) {
            maxRecipients = v;
            return this;
        }

        public Builder maxBodyBytes(int v) {
            maxBodyBytes = v;
            return this;
        }

        public Builder fetch(int packages, int bytes) {
            fetchLimit = packages;
            fetchBytes = bytes;
            return this;
        }

        public Builder queueLimit(int packages) {
            queueLimit = packages;
            return this;
        }

        public Builder queueBytes(long bytes) {
            queueBytes = bytes;
            return this;
        }

        public Builder rate(double perSecond, int b) {
            requestsPerSecond = perSecond;
            burst = b;
            return this;
        }

        public Builder registrationRate(double perSecond, int b) {
            registrationsPerSecond = perSecond;
            registrationBurst = b;
            return this;
        }

        public Builder idleSeconds(int v) {
            idleSeconds = v;
            return this;
        }

        public Builder requestSeconds(int v) {
            requestSeconds = v;
            return this;
        }

        public Builder onlineWindowMillis(long v) {
            onlineWindowMillis = v;
            return this;
        }

        public Builder connections(int total, int perAddress) {
            maxConnections = total;
            maxConnectionsPerAddress = perAddress;
            return this;
        }

        public Builder memoryBudgetBytes(long v) {
            memoryBudgetBytes = v;
            return this;
        }

        public Builder webSocket(int maxFrameBytes, int pendingAcks) {
            wsMaxFrameBytes = maxFrameBytes;
            wsPendingAcks = pendingAcks;
            return this;
        }

        public Builder users(int listed, int activeDays) {
            usersListed = listed;
            usersActiveDays = activeDays;
            return this;
        }

        public RelayLimits build() {
            return new RelayLimits(maxPackageChars, maxRecipients, maxBodyBytes, fetchLimit, fetchBytes, queueLimit, queueBytes,
                    requestsPerSecond, burst, registrationsPerSecond, registrationBurst, idleSeconds, requestSeconds,
                    onlineWindowMillis, maxConnections, maxConnectionsPerAddress, memoryBudgetBytes, wsMaxFrameBytes,
                    wsPendingAcks, usersListed, usersActiveDays);
        }
    }
}
