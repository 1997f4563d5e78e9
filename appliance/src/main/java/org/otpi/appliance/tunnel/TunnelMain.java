package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-tunnel --config FILE}: runs one site link until SIGINT or SIGTERM.
 *
 * <p>Exit codes: 0 stopped cleanly, 1 runtime failure, 2 bad usage or configuration.
 */
@Command(name = "otpi-tunnel", mixinStandardHelpOptions = true, version = "otpi-tunnel 0.1",
        description = "ChaCha20-Poly1305 site link keyed from pre-shared one-time key material "
                + "(wire-compatible with the PSK-only tunnel note).")
public final class TunnelMain implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "link configuration (properties)")
    Path config;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TunnelMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        TunnelConfig cfg;
        try {
            cfg = TunnelConfig.load(config);
        } catch (IOException | IllegalArgumentException e) {
            err.println("otpi-tunnel: bad configuration " + config + ": " + e.getMessage());
            return 2;
        }
        Link link;
        try {
            link = build(cfg);
        } catch (IOException | RuntimeException e) {
            err.println("otpi-tunnel: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            Logger.info("otpi-tunnel: stopping (signal)");
            try {
                link.close();
            } catch (IOException | RuntimeException e) {
                Logger.error(e, "clean shutdown failed");
            }
            stopped.countDown();
        }, "tunnel-shutdown"));
        link.peer().start();
        stopped.await();
        return 0;
    }

    /** A running link and what it owns; closing it stops the peer, then releases state and key material. */
    public record Link(TunnelPeer peer, SlotStore store, SequenceState state) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                peer.close();
            } finally {
                try {
                    store.close();
                } finally {
                    state.close();
                }
            }
        }
    }

    /** Wires a link whose key material is the configured key file. */
    static Link build(TunnelConfig cfg) throws IOException {
        if (cfg.keyFile() == null) {
            throw new IllegalArgumentException("key.vault links run inside the appliance: otpi-appliance serve --tunnel "
                    + "CONFIG; a standalone otpi-tunnel needs key.file");
        }
        return build(cfg, KeyFileSlotStore.open(cfg.keyFile()));
    }

    /** Wires store, state, session, handshake, TUN and UDP from a configuration; owns {@code store}. */
    public static Link build(TunnelConfig cfg, SlotStore store) throws IOException {
        SequenceState state = null;
        LinuxTun tun = null;
        try {
            state = SequenceState.open(cfg.stateDir());
            long slots = store.slotCount();
            long dataSlots = cfg.handshake() ? slots - 1 : slots;
            if (dataSlots < 1) {
                throw new IOException("key material holds too few slots (" + slots + ")");
            }
            TunnelStats stats = new TunnelStats();
            TunnelSession session = new TunnelSession(cfg.role(), store, state, cfg.aead(), stats,
                    dataSlots);
            Handshake hs = null;
            if (cfg.handshake()) {
                byte[] key;
                try (SlotSecret last = store.read(slots - 1)) {
                    key = Handshake.deriveKey(last);
                }
                hs = new Handshake(key, cfg.role(), cfg.identityId(), cfg.peerAllow(), session, stats, new SecureRandom(),
                        System::currentTimeMillis);
                Arrays.fill(key, (byte) 0);
                Logger.info("tunnel identity {}{}", HexFormat.of().formatHex(cfg.identityId()),
                        cfg.peerAllow().isEmpty() ? "" : ", peer allowlist " + cfg.peerAllow());
            }
            // Offloads need the single-thread event-loop data path (threads = 0) on epoll.
            boolean offload = cfg.offload() && cfg.threads() == 0 && NettyUdp.epoll();
            tun = LinuxTun.open(cfg.tunName(), offload);
            tun.configure(cfg.tunAddress(), cfg.tunMtu());
            NettyUdp udp = new NettyUdp(cfg.localAddress(), 1, cfg.tunMtu() + 128, offload);
            TunnelPeer.Options opts = new TunnelPeer.Options(cfg.threads(), true, cfg.keepaliveMillis(),
                    cfg.statsMillis(), 120_000);
            Logger.info("otpi-tunnel {}: {} slots ({} for data), AEAD engine: {}", cfg, slots, dataSlots, cfg.aead().name());
            return new Link(new TunnelPeer(session, tun, udp, cfg.peerAddress(), hs, opts), store, state);
        } catch (IOException | RuntimeException e) {
            if (tun != null) {
                tun.close();
            }
            if (state != null) {
                state.close();
            }
            store.close();
            throw e;
        }
    }
}
