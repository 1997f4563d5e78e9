package org.otpi.relay;

import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link RelayServer} listens and what it enforces. Build with {@link #builder()}.
 *
 * @param bindAddress address to bind (default 127.0.0.1)
 * @param port TCP port, 0 for an ephemeral one (default 8090)
 * @param sslContext TLS server context, or null for plain HTTP
 * @param limits sizes, rates, timeouts
 * @param legacyEndpoints serve the paper's {@code /check /send /getmessages /getnextref} (default off;
 *     {@code /getmessages} then needs the recipient's token)
 * @param registration who may create accounts (default {@link Registration#OPEN})
 * @param trustedProxies addresses or CIDR blocks of load balancers whose PROXY protocol header
 *     and {@code X-Forwarded-For} are believed (default none: the TCP peer is the client)
 * @param deliveryFilter what deliveries pass through ({@link DeliveryFilter#NONE}, or a {@link ChaosProxy})
 * @param workerThreads threads that run store calls (never the event loop)
 * @param ioThreads Netty event-loop threads (0 = Netty's default)
 * @param sharedLimitSyncMillis how often rate-limit spending is exchanged with the other nodes
 *     through the database (PostgreSQL store only)
 */
public record RelayConfig(String bindAddress, int port, SslContext sslContext, RelayLimits limits,
                          boolean legacyEndpoints, Registration registration, List<String> trustedProxies,
                          DeliveryFilter deliveryFilter, int workerThreads, int ioThreads, long sharedLimitSyncMillis) {

    /** Who may create an account. */
    public enum Registration {
        /** Anyone (rate-limited per client address). */
        OPEN,
        /** Only with an unused invite code from {@code otpi-relay invite}. */
        INVITE,
        /** Nobody: the accounts that exist are all there will be. */
        CLOSED
    }

    public RelayConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(deliveryFilter, "deliveryFilter");
        trustedProxies = List.copyOf(trustedProxies);
        TrustedProxies.parse(trustedProxies); // fails early on a bad entry
        if (port < 0 || port > 65535 || workerThreads < 1 || ioThreads < 0 || sharedLimitSyncMillis < 10) {
            throw new IllegalArgumentException("bad relay config");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Mutable builder with the defaults listed on {@link RelayConfig}. */
    public static final class Builder {
        private String bindAddress = "127.0.0.1";
        private int port = 8090;
        private SslContext sslContext;
        private RelayLimits limits = RelayLimits.defaults();
        private boolean legacyEndpoints = false;
        private Registration registration = Registration.OPEN;
        private List<String> trustedProxies = List.of();
        private DeliveryFilter deliveryFilter = DeliveryFilter.NONE;
        private int workerThreads = 32;
        private int ioThreads = 0;
        private long sharedLimitSyncMillis = 250;

        public Builder bind(String address) {
            this.bindAddress = address;
            return this;
        }

        public Builder port(int p) {
            this.port = p;
            return this;
        }

        public Builder tls(SslContext ctx) {
            this.sslContext = ctx;
            return this;
        }

        public Builder limits(RelayLimits l) {
            this.limits = l;
            return this;
        }

        public Builder legacyEndpoints(boolean on) {
            this.legacyEndpoints = on;
            return this;
        }

        public Builder registration(Registration r) {
            this.registration = r;
            return this;
        }

        /** e.g. {@code List.of("127.0.0.1", "10.0.0.0/8")}. */
        public Builder trustedProxies(List<String> proxies) {
            this.trustedProxies = proxies;
            return this;
        }

        public Builder deliveryFilter(DeliveryFilter f) {
            this.deliveryFilter = f;
            return this;
        }

        public Builder workerThreads(int n) {
            this.workerThreads = n;
            return this;
        }

        public Builder ioThreads(int n) {
            this.ioThreads = n;
            return this;
        }

        public Builder sharedLimitSyncMillis(long millis) {
            this.sharedLimitSyncMillis = millis;
            return this;
        }

        public RelayConfig build() {
            return new RelayConfig(bindAddress, port, sslContext, limits, legacyEndpoints, registration, trustedProxies,
                    deliveryFilter, workerThreads, ioThreads, sharedLimitSyncMillis);
        }
    }
}
