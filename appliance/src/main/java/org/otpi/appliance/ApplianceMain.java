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
import org.otpi.appliance.rpc.DeviceServices;
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
        description = "The OTPi device daemon.", subcommands = {ApplianceMain.Serve.class, ApplianceMain.Clients.class})
public final class ApplianceMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ApplianceMain()).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Which approver the daemon uses. */
    public enum ApproveMode { console, auto, deny }

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

        @Option(names = "--approve", description = "console | auto | deny. Default: console with a terminal, deny without.")
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

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Settings s = settings();
            if (s.vault == null || s.state == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--vault and --state are required");
            }
            Approver approver = withStanding(approver(s.approve, out), standing, out);
            char[] pin = pinFile == null ? null : readPin(pinFile);
            DeviceService device;
            try {
                // === The real vault is plugged in here (see DeviceServices). ===
                device = DeviceServices.open(s.vault, s.state, pin);
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("otpi-appliance: " + e.getMessage());
                return 1;
            } finally {
                if (pin != null) {
                    java.util.Arrays.fill(pin, '\0');
                }
            }
            RpcConfig rpc = RpcConfig.defaults(InetAddress.getByName(s.bind), s.port)
                    .withApprovalTimeout(Duration.ofSeconds(s.approvalTimeout));
            RpcServer server = build(rpc, device, approver, s.state, System.out);
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                device.close();
                stop.countDown();
            }, "otpi-shutdown"));
            out.println("otpi-appliance: device RPC on " + server.start() + ", approvals: " + s.approve);
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
            s.vault = vault != null ? vault : pathOrNull(p.getProperty("vault"));
            s.state = state != null ? state : pathOrNull(p.getProperty("state"));
            s.bind = bind != null ? bind : p.getProperty("bind", "127.0.0.1");
            s.port = port != null ? port : Integer.parseInt(p.getProperty("port", String.valueOf(RpcConfig.DEFAULT_PORT)));
            String mode = p.getProperty("approve");
            s.approve = approve != null ? approve
                    : mode != null ? ApproveMode.valueOf(mode)
                    : System.console() != null ? ApproveMode.console : ApproveMode.deny;
            s.approvalTimeout = approvalTimeout != null ? approvalTimeout
                    : Integer.parseInt(p.getProperty("approval-timeout", "60"));
            return s;
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

        @Option(names = "--revoke", description = "Forget this client; its token stops working.")
        String revoke;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            ClientRegistry registry = ClientRegistry.open(state);
            if (revoke != null) {
                boolean done = registry.revoke(revoke);
                Logger.tag("security").info("client '{}' revoked by the operator: {}", revoke, done);
                out.println(done ? "revoked " + revoke : "no client named " + revoke);
                out.flush();
                return done ? 0 : 1;
            }
            registry.clients().forEach(out::println);
            out.flush();
            return 0;
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
                    + " are approved without asking.");
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
