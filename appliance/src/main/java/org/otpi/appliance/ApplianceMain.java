package org.otpi.appliance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.otpi.appliance.approval.Approver;
import org.otpi.appliance.approval.ConsoleApprover;
import org.otpi.appliance.approval.DenyApprover;
import org.otpi.appliance.approval.StandingApprovals;
import org.otpi.appliance.approval.AutoApprover;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.ConsolePairingDisplay;
import org.otpi.appliance.rpc.DeviceService;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-appliance}: the device daemon.
 *
 * <p>Exit codes: 0 normal stop, 1 runtime failure, 2 usage error.
 */
@Command(name = "otpi-appliance", mixinStandardHelpOptions = true, version = "otpi-appliance 0.1.0",
        description = "The OTPi device daemon.", subcommands = {ApplianceMain.Serve.class, ApplianceMain.Clients.class,
                org.otpi.appliance.entropy.EntropyFeedMain.class})
public final class ApplianceMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ApplianceMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Which approver the daemon uses. */
    public enum ApproveMode { console, auto, deny, kiosk }

    /** {@code serve}: opens the vault and serves the device RPC until stopped. */
    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Serve the device RPC (bound only to --bind).")
    public static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--vault", description = "Vault directory (the medium).")
        Path vault;

        @Option(names = "--state", description = "Device state directory (SD card): paired clients, high-water marks.")
        Path state;

        @Option(names = "--bind", description = "The only address to listen on (default 127.0.0.1).")
        String bind;

        @Option(names = "--port", description = "TCP port (default " + RpcConfig.DEFAULT_PORT + ").")
        Integer port;

        @Option(names = "--approve", description = "console | auto | deny | kiosk. Default: console with a terminal, deny without.")
        ApproveMode approve;

        @Option(names = "--approval-timeout", description = "Seconds before an unanswered approval is denied (default 60).")
        Integer approvalTimeout;

        @Option(names = "--standing-approval", paramLabel = "CONTACT:BYTES:MINUTES",
                description = "Pre-approve up to BYTES of pad for CONTACT for MINUTES (repeatable; set by the person at the device).")
        java.util.List<String> standing = new java.util.ArrayList<>();

        @Option(names = "--pin-file", description = "Unlock at start with the PIN in this file (emulation only).")
        Path pinFile;

        @Option(names = "--config", description = "Properties file with vault, state, bind, port, approve, approval-timeout.")
        Path config;

        @Option(names = "--kiosk-socket", description = "Serve the kiosk on this Unix socket (e.g. /run/otpi/kiosk.sock).")
        Path kioskSocket;

        @Option(names = "--kiosk-user", description = "The only user allowed on the kiosk socket (default: this user).")
        String kioskUser;

        @Option(names = "--kiosk-group", description = "Give the kiosk socket this group (mode 0660) instead of"
                + " chowning it to the kiosk user; both users must be in it (the image: otpi-ui).")
        String kioskGroup;

        @Option(names = "--gpio", description = "off | mock | device: approve/deny buttons, LED, tamper and panic (default off).")
        ApplianceRuntime.Gpio gpio;

        @Option(names = "--gpio-config", description = "Pin map (properties).")
        Path gpioConfig;

        @Option(names = "--hrng", description = "Hardware RNG path to try (repeatable; default /dev/otpi-hrng, /dev/hwrng).")
        java.util.List<Path> hrng = new java.util.ArrayList<>();

        @Option(names = "--no-feed", description = "Do not credit hardware RNG output to the kernel pool.")
        boolean noFeed;

        @Option(names = "--log-dir", description = "Directory of the security log (default STATE/logs).")
        Path logDir;

        @Option(names = "--tunnel", description = "Run a site link from this config inside the appliance (repeatable;"
                + " key.vault = CONTACT takes keys from a site-link pad).")
        java.util.List<Path> tunnels = new java.util.ArrayList<>();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Settings s = settings();
            if (s.vault == null || s.state == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--vault and --state are required");
            }
            LogSetup.configure(logDir != null ? logDir : s.state.resolve("logs"), false);
            Approver person = s.approve == ApproveMode.kiosk ? null : approver(s.approve, out);
            if (!java.nio.file.Files.exists(s.vault.resolve("vault.hdr"))) {
                if (pinFile != null) {
                    spec.commandLine().getErr().println("otpi-appliance: no vault in " + s.vault
                            + " (create one with 'otpi-admin init')");
                    return 1;
                }
                // On the device the medium may be plugged in later: serve, locked, meanwhile.
                Logger.tag("security").warn("no vault on the medium yet: the device answers 'locked' until one is"
                        + " created (on the kiosk's setup screen, or 'otpi-admin init')");
            }
            char[] pin = pinFile == null ? null : readPin(pinFile);
            ApplianceRuntime runtime;
            try {
                runtime = ApplianceRuntime.start(new ApplianceRuntime.Options(s.vault, s.state, InetAddress.getByName(s.bind),
                        s.port, person, Duration.ofSeconds(s.approvalTimeout), standing, pin, kioskSocket,
                        kioskUser != null ? kioskUser : System.getProperty("user.name"), kioskGroup, s.gpio, gpioConfig,
                        hrng.isEmpty() ? java.util.List.of(Path.of("/dev/otpi-hrng"), Path.of("/dev/hwrng")) : hrng,
                        !noFeed, System.out, tunnels));
            } catch (org.otpi.appliance.vault.VaultException e) {
                spec.commandLine().getErr().println("otpi-appliance: " + e.getMessage());
                return e.kind().exitCode();
            }
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    runtime.close(); // the device closes last: "vault locked"
                } finally {
                    stop.countDown();
                    LogSetup.shutdown(); // last: what the stop said above reaches the file
                }
            }, "otpi-shutdown"));
            out.println("otpi-appliance: AEAD engine " + org.otpi.appliance.crypto.ChaChaEngines.best().name());
            out.println("otpi-appliance: device RPC on " + runtime.rpcAddress() + ", approvals: " + s.approve
                    + (runtime.device().unlocked() ? ", vault unlocked" : ", vault LOCKED (unlock at the kiosk)"));
            out.flush();
            stop.await();
            return 0;
        }

        /** Settings from --config, overridden by command-line options. */
        Settings settings() throws IOException {
            Properties p = new Properties();
            if (config != null) {
                try (Reader r = Files.newBufferedReader(config, StandardCharsets.UTF_8)) {
                    p.load(r);
                }
            }
            Settings s = new Settings();
            // Keys as written by hand (vault, state, bind, port) or as in the image's appliance.conf
            // (vault.path, state.dir, rpc.bind, rpc.port, kiosk.socket, kiosk.user, hrng.device).
            s.vault = vault != null ? vault : pathOrNull(p.getProperty("vault", p.getProperty("vault.path")));
            s.state = state != null ? state : pathOrNull(p.getProperty("state", p.getProperty("state.dir")));
            s.bind = bind != null ? bind : p.getProperty("bind", p.getProperty("rpc.bind", "127.0.0.1")).trim();
            s.port = port != null ? port : Integer.parseInt(p.getProperty("port",
                    p.getProperty("rpc.port", String.valueOf(RpcConfig.DEFAULT_PORT))).trim());
            if (kioskSocket == null && p.getProperty("kiosk.socket") != null) {
                kioskSocket = Path.of(p.getProperty("kiosk.socket").trim());
            }
            if (kioskUser == null && p.getProperty("kiosk.user") != null) {
                kioskUser = p.getProperty("kiosk.user").trim();
            }
            if (kioskGroup == null && p.getProperty("kiosk.group") != null) {
                kioskGroup = p.getProperty("kiosk.group").trim();
            }
            String gpioMode = p.getProperty("gpio");
            s.gpio = gpio != null ? gpio
                    : gpioMode == null ? ApplianceRuntime.Gpio.OFF
                    : setting(ApplianceRuntime.Gpio.class, "gpio", gpioMode.trim().toUpperCase(java.util.Locale.ROOT));
            if (gpioConfig == null && p.getProperty("gpio.config") != null) {
                gpioConfig = Path.of(p.getProperty("gpio.config").trim());
            }
            if (hrng.isEmpty() && p.getProperty("hrng.device") != null) {
                hrng.add(Path.of(p.getProperty("hrng.device").trim()));
            }
            String mode = p.getProperty("approve") == null ? null : p.getProperty("approve").trim();
            s.approve = approve != null ? approve
                    : mode != null ? setting(ApproveMode.class, "approve", mode)
                    : System.console() != null ? ApproveMode.console : ApproveMode.deny;
            s.approvalTimeout = approvalTimeout != null ? approvalTimeout
                    : Integer.parseInt(p.getProperty("approval-timeout", "60"));
            return s;
        }

        private <E extends Enum<E>> E setting(Class<E> type, String key, String value) {
            try {
                return Enum.valueOf(type, value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "config: " + key + " = " + value
                        + " is not one of " + java.util.Arrays.toString(type.getEnumConstants()));
            }
        }

        private static Path pathOrNull(String s) {
            return s == null ? null : Path.of(s);
        }

        private static char[] readPin(Path file) throws IOException {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.toCharArray();
        }
    }

    /** {@code clients}: lists paired clients, or revokes one (run on the device). */
    @Command(name = "clients", mixinStandardHelpOptions = true, description = "List or revoke paired clients.")
    public static final class Clients implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--state", required = true, description = "Device state directory.")
        Path state;

        @Option(names = "--revoke", description = "Forget this client; its token stops working at once, also in a"
                + " running daemon (it rereads the file before every request).")
        String revoke;

        @Option(names = "--log-dir", description = "Directory of the security log (default STATE/logs).")
        Path logDir;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            LogSetup.configureTool(logDir != null ? logDir : state.resolve("logs"));
            try {
                ClientRegistry registry = ClientRegistry.open(state);
                if (revoke != null) {
                    boolean done = registry.revoke(revoke);
                    if (done) {
                        Logger.tag("security").info("client {} revoked by the operator", org.otpi.appliance.securitylog.Redact.client(revoke));
                    }
                    out.println(done ? "revoked " + revoke : "no client named " + revoke);
                    out.flush();
                    return done ? 0 : 1;
                }
                registry.clients().forEach(out::println);
                out.flush();
                return 0;
            } finally {
                LogSetup.shutdown();
            }
        }
    }

    /** Resolved settings of {@code serve}. */
    static final class Settings {
        Path vault;
        Path state;
        String bind;
        int port;
        ApproveMode approve;
        int approvalTimeout;
        ApplianceRuntime.Gpio gpio;
    }

    /** The approver for a mode; {@code auto} is announced loudly on {@code out} and in the log. */
    public static Approver approver(ApproveMode mode, PrintWriter out) {
        switch (mode) {
            case auto:
                out.println(AUTO_BANNER);
                out.flush();
                Logger.tag("security").warn("--approve=auto: every use of pad is approved without asking anyone");
                return new AutoApprover();
            case console:
                return new ConsoleApprover(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.out);
            default:
                return new DenyApprover();
        }
    }

    /** Wraps {@code person} in {@link StandingApprovals} when grants are given; prints each grant. */
    static Approver withStanding(Approver person, java.util.List<String> grants, PrintWriter out) {
        if (grants.isEmpty()) {
            return person;
        }
        StandingApprovals policy = new StandingApprovals(java.time.Clock.systemUTC());
        for (String g : grants) {
            String[] f = g.split(":");
            if (f.length != 3) {
                throw new IllegalArgumentException("--standing-approval wants CONTACT:BYTES:MINUTES, got " + g);
            }
            Duration validFor = Duration.ofMinutes(Long.parseLong(f[2]));
            java.time.Instant until = java.time.Instant.now().plus(validFor);
            policy.grant(f[0], Long.parseLong(f[1]), validFor);
            out.println("STANDING APPROVAL: up to " + f[1] + " pad bytes for '" + f[0] + "' until " + until
                    + " are approved without asking (seals and opens, each by its pad cost).");
        }
        out.flush();
        return policy.orElse(person);
    }

    static final String AUTO_BANNER = String.join(System.lineSeparator(),
            "",
            "##########################################################################",
            "##                                                                      ##",
            "##   WARNING: --approve=auto                                            ##",
            "##   EVERY use of pad is approved WITHOUT asking anyone.                ##",
            "##   Any program that can reach this port can burn pad and seal as you. ##",
            "##   For demos and tests only. Never on a real device.                  ##",
            "##                                                                      ##",
            "##########################################################################",
            "");

    /**
     * Builds the RPC server the way {@code serve} does: client registry in {@code stateDir},
     * pairing codes on {@code console}. Exposed for the end-to-end tests and the emulation launcher.
     */
    public static RpcServer build(RpcConfig config, DeviceService device, Approver approver, Path stateDir,
                                  PrintStream console) throws IOException {
        return new RpcServer(config, device, approver, ClientRegistry.open(stateDir), new ConsolePairingDisplay(console));
    }
}
