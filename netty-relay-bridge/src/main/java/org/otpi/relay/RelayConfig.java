package org.otpi.relay;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * How a {@link RelayServer} listens and what it enforces. Build with {@link #builder()}.
 *
 * @param bindAddress address to bind (default 127.0.0.1)
 * @param port TCP port, 0 for an ephemeral one (default 8090)
 * @param sslContext TLS server context, or null for plain HTTP
 * @param limits sizes, rates, timeouts
 * @param legacyEndpoints serve the paper's {@code /check /send /getmessages /getnextref}
 * @param deliveryFilter what deliveries pass through ({@link DeliveryFilter#NONE}, or a {@link ChaosProxy})
 * @param workerThreads threads that run store calls (never the event loop)
 * @param ioThreads Netty event-loop threads (0 = Netty's default)
 */
public record RelayConfig(String bindAddress, int port, SslContext sslContext, RelayLimits limits,
                          boolean legacyEndpoints, DeliveryFilter deliveryFilter, int workerThreads, int ioThreads) {

    public RelayConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(deliveryFilter, "deliveryFilter");
        if (port < 0 || port > 65535 || workerThreads < 1 || ioThreads < 0) {
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
        private boolean legacyEndpoints = true;
        private DeliveryFilter deliveryFilter = DeliveryFilter.NONE;
        private int workerThreads = 32;
        private int ioThreads = 0;

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

        public RelayConfig build() {
            return new RelayConfig(bindAddress, port, sslContext, limits, legacyEndpoints, deliveryFilter, workerThreads,
                    ioThreads);
        }
    }
}
