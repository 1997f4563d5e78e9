package org.otpi.appliance;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.FirstDecisionApprover;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultDeviceService;
import org.otpi.appliance.device.VaultKioskBackend;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.gpio.GpioConfig;
import org.otpi.appliance.gpio.GpioPanel;
import org.otpi.appliance.kiosk.KioskApprover;
import org.otpi.appliance.kiosk.KioskPairingDisplay;
import org.otpi.appliance.kiosk.KioskServer;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.ConsolePairingDisplay;
import org.otpi.appliance.rpc.PairingDisplay;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;
import org.tinylog.Logger;

/**
 * The running appliance: the device (vault lifecycle), entropy sources, the kiosk socket, the
 * GPIO panel, the approvers and the device RPC, started in that order and closed in reverse.
 * {@code otpi-appliance serve} builds one; so do the end-to-end tests.
 */
public final class ApplianceRuntime implements AutoCloseable {

    /** Where the GPIO parts come from. */
    public enum Gpio { OFF, MOCK, DEVICE }

    /**
     * Everything {@code serve} can set.
     *
     * @param person           the approver that asks a person (console, auto, deny), or null when
     *                         only the kiosk and buttons ask
     * @param kioskSocket      the kiosk's Unix socket, or null for none
     * @param kioskUser        the only user allowed on the kiosk socket
     * @param kioskGroup       a group shared with the kiosk user: the socket gets it (mode 0660)
     *                         instead of being chowned to the kiosk user; null to chown
     * @param hardwareRngs     candidate HRNG paths, tried in order
     */
    public record Options(Path vault, Path state, InetAddress bind, int port, Approver person,
                          Duration approvalTimeout, List<String> standing, char[] pin, Path kioskSocket,
                          String kioskUser, String kioskGroup, Gpio gpio, Path gpioConfig, List<Path> hardwareRngs, boolean feedKernel,
                          PrintStream console, List<Path> tunnels) {
    }

    /** How often the daemon checks that the open vault's medium is still there. */
    static final Duration MEDIUM_WATCH = Duration.ofSeconds(2);

    private final List<AutoCloseable> parts = new ArrayList<>();

    private ApplianceRuntime(Options o) throws Exception {
        try {
            build(o);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private Device device;
    private StandingApprovals standing;
    private RpcServer rpc;
    private InetSocketAddress address;

    private void build(Options o) throws Exception {
        Clock clock = Clock.systemUTC();
        device = new Device(o.vault(), o.state(), VaultPolicy.DEFAULT, clock);
        parts.add(device);
        if (o.pin() != null) {
            device.unlock(o.pin());
        }
        // A pulled vault stick locks the device within two seconds.
        java.util.concurrent.ScheduledExecutorService mediumWatch = java.util.concurrent.Executors
                .newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "otpi-medium-watch");
                    t.setDaemon(true);
                    return t;
                });
        parts.add(mediumWatch::shutdownNow);
        Device watched = device;
        mediumWatch.scheduleWithFixedDelay(() -> {
            if (watched.lockIfMediumGone()) {
                Logger.tag("security").warn("the vault medium went away while unlocked: locked");
            }
        }, MEDIUM_WATCH.toMillis(), MEDIUM_WATCH.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        EntropyService entropy = null;
        try {
            entropy = EntropyService.start(new EntropyService.Config(o.hardwareRngs(), 50_000, HealthParameters.DEFAULT,
                    o.feedKernel(), 16_384), e -> Logger.tag("security").warn("entropy source {}: {}", e.source(), e.state()));
            parts.add(entropy);
        } catch (IOException e) {
            Logger.tag("security").warn("no entropy service: {} (pad generation is off)", e.getMessage());
        }
        standing = new StandingApprovals(clock);
        for (String g : o.standing()) {
            String[] f = g.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("--standing-approval wants CONTACT:BYTES:MINUTES, got " + g);
            }
            standing.grant(f[0], Long.parseLong(f[1]), Duration.ofMinutes(Long.parseLong(f[2])));
            o.console().println("STANDING APPROVAL: up to " + f[1] + " pad bytes for '" + f[0] + "' for " + f[2]
                    + " minutes are approved without asking (seals and opens, each by its pad cost).");
        }
        List<org.otpi.protocol.kiosk.Views.Tunnel> tunnelViews = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (Path conf : o.tunnels()) {
            org.otpi.appliance.tunnel.TunnelConfig cfg = org.otpi.appliance.tunnel.TunnelConfig.load(conf);
            org.otpi.appliance.tunnel.SlotStore keys = cfg.keyVault() != null
                    ? new org.otpi.appliance.device.VaultSlotStore(device, cfg.keyVault())
                    : org.otpi.appliance.tunnel.KeyFileSlotStore.open(cfg.keyFile());
            org.otpi.appliance.tunnel.TunnelMain.Link link = org.otpi.appliance.tunnel.TunnelMain.build(cfg, keys);
            parts.add(link);
            link.peer().start();
            tunnelViews.add(new org.otpi.protocol.kiosk.Views.Tunnel(cfg.tunName(), String.valueOf(cfg.peerAddress()), true,
                    keys.slotCount() * 120));
        }
        ClientRegistry clients = ClientRegistry.open(o.state());
        VaultKioskBackend backend = new VaultKioskBackend(device, standing, entropy, new VaultKioskBackend.PairedClients() {
            @Override
            public List<String> names() {
                return clients.clients();
            }

            @Override
            public boolean revoke(String name) throws IOException {
                return clients.revoke(name);
            }
        }, () -> tunnelViews);
        parts.add(backend::close);
        List<Approver> askers = new ArrayList<>();
        if (o.person() != null) {
            askers.add(o.person());
        }
        PairingDisplay pairing = new ConsolePairingDisplay(o.console());
        if (o.kioskSocket() != null) {
            KioskApprover screen = new KioskApprover(o.approvalTimeout(), clock);
            parts.add(screen);
            KioskServer kiosk = KioskServer.start(o.kioskSocket(), o.kioskUser(), o.kioskGroup(), backend, screen);
            parts.add(kiosk);
            askers.add(screen);
            // The code goes to the kiosk only; the console (the journal, on the device) is told
            // that a pairing waits, never the code.
            pairing = PairingDisplay.all(ConsolePairingDisplay.noticeOnly(o.console()), KioskPairingDisplay.on(kiosk, clock));
        }
        if (o.gpio() != Gpio.OFF) {
            GpioConfig cfg = o.gpioConfig() == null ? GpioConfig.defaults() : GpioConfig.load(o.gpioConfig());
            GpioPanel panel = new GpioPanel(o.gpio() == Gpio.MOCK ? GpioPanel.mockContext() : GpioPanel.deviceContext(),
                    cfg, backend, clock);
            parts.add(panel);
            askers.add(panel.approver());
        }
        if (askers.isEmpty()) {
            throw new IllegalArgumentException("nobody can approve: give --approve, a kiosk socket or GPIO");
        }
        Approver person = askers.size() == 1 ? askers.get(0) : new FirstDecisionApprover(askers);
        RpcConfig config = RpcConfig.defaults(o.bind(), o.port()).withApprovalTimeout(o.approvalTimeout());
        rpc = new RpcServer(config, new VaultDeviceService(device), standing.orElse(person), clients,
                pairing).screen(o.kioskSocket() != null);
        parts.add(rpc);
        address = rpc.start();
    }

    /** Starts everything; on failure closes what was started. */
    public static ApplianceRuntime start(Options o) throws Exception {
        try {
            return new ApplianceRuntime(o);
        } finally {
            Device.wipe(o.pin());
        }
    }

    /** The device RPC's address. */
    public InetSocketAddress rpcAddress() {
        return address;
    }

    public Device device() {
        return device;
    }

    public StandingApprovals standing() {
        return standing;
    }

    /** Unlocks the vault (as the person at the screen would). */
    public void unlock(char[] pin) throws VaultException {
        device.unlock(pin);
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                Logger.warn("closing {} failed: {}", parts.get(i), e.toString());
            }
        }
        parts.clear();
    }
}
