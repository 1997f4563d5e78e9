package org.otpi.appliance.rpc;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * Server settings.
 *
 * @param bind            the only address the server listens on (gadget address, or 127.0.0.1)
 * @param port            TCP port (0 = any free port, for tests)
 * @param requestTimeout  a whole request (line, headers, JSON body) must arrive within this, counted
 *                        from when the server starts waiting for it: slow clients are cut off
 * @param approvalTimeout no answer from the person within this means deny
 * @param maxConnections  connections beyond this are closed at once
 * @param maxFileBytes    largest file a streamed seal or open accepts
 * @param ioThreads       Netty event loop threads
 */
public record RpcConfig(InetAddress bind, int port, Duration requestTimeout, Duration approvalTimeout,
                        int maxConnections, long maxFileBytes, int ioThreads) {
    public static final int DEFAULT_PORT = 8470;

    public RpcConfig {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(approvalTimeout, "approvalTimeout");
        if (port < 0 || port > 65535 || maxConnections < 1 || maxFileBytes < 1 || ioThreads < 1) {
            throw new IllegalArgumentException("bad RPC configuration");
        }
    }

    /** Defaults for an address and port: 10 s requests, 60 s approvals, 2048 connections, 64 MiB files. */
    public static RpcConfig defaults(InetAddress bind, int port) {
        return new RpcConfig(bind, port, Duration.ofSeconds(10), Duration.ofSeconds(60), 2048,
                64L * 1024 * 1024, 2);
    }

    public RpcConfig withRequestTimeout(Duration d) {
        return new RpcConfig(bind, port, d, approvalTimeout, maxConnections, maxFileBytes, ioThreads);
    }

    public RpcConfig withApprovalTimeout(Duration d) {
        return new RpcConfig(bind, port, requestTimeout, d, maxConnections, maxFileBytes, ioThreads);
    }

    public RpcConfig withMaxConnections(int n) {
        return new RpcConfig(bind, port, requestTimeout, approvalTimeout, n, maxFileBytes, ioThreads);
    }

    public RpcConfig withMaxFileBytes(long n) {
        return new RpcConfig(bind, port, requestTimeout, approvalTimeout, maxConnections, n, ioThreads);
    }
}
