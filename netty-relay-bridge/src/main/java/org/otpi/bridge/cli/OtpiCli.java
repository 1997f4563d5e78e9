package org.otpi.bridge.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartResponse;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code otpi}: the laptop client. Talks to the device (which seals and opens, after the person
 * approves on the device) and to the untrusted relay. Never sees pad bytes.
 *
 * <p>Exit codes: 0 success, 1 the device or relay refused or failed, 2 usage error (including an
 * output path that cannot be used, found before the device is asked).
 */
@Command(name = "otpi", mixinStandardHelpOptions = true, version = OtpiCli.VERSION,
        description = "OTPi laptop client: chat and files through your OTPi device.",
        subcommands = {OtpiCli.Pair.class, StatusCommand.class, OtpiCli.Contacts.class, OtpiCli.Chat.class,
                OtpiCli.Send.class, OtpiCli.Inbox.class, OtpiCli.OutboxCommand.class, HistoryCommand.class,
                FileCommands.SealFile.class,
                FileCommands.OpenFile.class, AutoComplete.GenerateCompletion.class})
public final class OtpiCli implements Callable<Integer> {
    public static final String VERSION = "otpi 0.1.0 (device RPC v1)";
    static final URI DEFAULT_DEVICE = URI.create("http://127.0.0.1:8470");
    /** How often a running chat asks the device for messages written on its screen. */
    static final long DEVICE_OUTBOX_POLL_MS = 2000;

    @Spec
    CommandSpec spec;

    @Option(names = "--home", description = "Client state directory (default ~/.otpi).")
    Path home = Path.of(System.getProperty("user.home"), ".otpi");

    @Option(names = "--device", description = "Device RPC URL (default: remembered at pairing, else http://127.0.0.1:8470).")
    URI deviceUrl;

    @Option(names = "--relay", description = "Relay URL (remembered once the relay has answered).")
    URI relayUrl;

    @Option(names = "--relay-invite", description = "Invite code for a relay that registers by invitation (first use only).")
    String relayInvite;

    @Option(names = "--user", description = "Your relay user name (default: remembered, else the device id).")
    String user;

    private final RelayApiFactory relays;
    private final InputStream stdin;
    private boolean interactiveTerminal;

    public OtpiCli(RelayApiFactory relays, InputStream stdin) {
        this.relays = relays;
        this.stdin = stdin;
    }

    public static void main(String[] args) {
        OtpiCli cli = new OtpiCli(RelayApiFactory.fromServiceLoader(), System.in);
        cli.interactiveTerminal = System.console() != null;
        System.exit(commandLine(cli).execute(args));
    }

    /**
     * The command line with what every command shares: {@code --version} answers the same on
     * every subcommand, and {@code generate-completion} (picocli's bash/zsh completion script) is
     * listed in the help.
     */
    public static CommandLine commandLine(OtpiCli cli) {
        CommandLine cl = new CommandLine(cli);
        setVersion(cl);
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false)
                .description("Print a bash/zsh completion script: source <(otpi generate-completion)");
        return cl;
    }

    private static void setVersion(CommandLine cl) {
        cl.getCommandSpec().version(VERSION);
        if (cl.getCommandSpec().optionsMap().get("--version") == null) {
            cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-V", "--version")
                    .versionHelp(true).description("Print version information and exit.").build());
        }
        cl.getSubcommands().values().forEach(OtpiCli::setVersion);
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    // --- shared plumbing -------------------------------------------------------------------

    ClientHome openHome() throws IOException {
        return ClientHome.open(home);
    }

    /** The device URL for this run: --device, else the one remembered at pairing, else the default. */
    URI deviceUri(ClientHome h) {
        if (deviceUrl != null) {
            return deviceUrl;
        }
        String u = h.get(ClientHome.DEVICE_URL);
        return u != null ? URI.create(u) : DEFAULT_DEVICE;
    }

    /** A device client carrying the stored token; fails with a hint when not paired. */
    DeviceClient device(ClientHome h) {
        String token = h.get(ClientHome.DEVICE_TOKEN);
        if (token == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "this laptop is not paired with a device yet:"
                    + " run 'otpi pair' first (see 'otpi pair --help')");
        }
        return new DeviceClient(deviceUri(h), token);
    }

    /**
     * Connects to the relay, registering the user on first use of that relay. A relay URL given
     * with --relay is remembered only once the relay has answered: a typo is not saved.
     */
    RelayApi relay(ClientHome h, DeviceClient device) throws IOException {
        String stored = h.get(ClientHome.RELAY_URL);
        String url = relayUrl != null ? relayUrl.toString() : stored;
        if (url == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no relay known yet: give it once with --relay URL (e.g. --relay http://127.0.0.1:8090)");
        }
        boolean newRelay = !url.equals(stored);
        String me = user != null ? user : h.get(ClientHome.USER);
        if (me == null) {
            me = device.whoami().deviceId();
        }
        RelayApi relay = relays.connect(URI.create(url));
        String token = newRelay ? null : h.get(ClientHome.RELAY_TOKEN);
        try {
            if (token == null || !me.equals(h.get(ClientHome.USER))) {
                token = relay.register(me, relayInvite);
                if (newRelay) {
                    // references count per relay: start over on a new one
                    h.remove(ClientHome.LAST_REF);
                    h.remove(ClientHome.RETRY_REFS);
                    h.set(ClientHome.RELAY_URL, url);
                }
                h.set(ClientHome.USER, me);
                h.set(ClientHome.RELAY_TOKEN, token);
            } else {
                relay.login(me, token);
            }
        } catch (RelayRefusedException e) {
            relay.close();
            if (e.status() == 409) {
                throw new IOException("the relay at " + url + " already has an account named '" + me
                        + "' (made from another client home?): use --user NAME to make another");
            }
            throw e;
        } catch (IOException e) {
            relay.close();
            throw e;
        }
        return relay;
    }

    RelayApiFactory relaysFactory() {
        return relays;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    BufferedReader in() {
        return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    }

    static int failed(PrintWriter out, String what, IOException e) {
        out.println(what + ": " + e.getMessage());
        out.flush();
        return 1;
    }

    /** What a command does with the device and the relay, through a {@link Messenger}. */
    @FunctionalInterface
    interface MessengerOp {
        int run(Messenger messenger, ClientHome home, DeviceClient device) throws IOException;
    }

    /** Runs {@code op} with this home's device and relay; a failure is {@code what: reason}, exit 1. */
    int withMessenger(PrintWriter out, String what, MessengerOp op) throws IOException {
        ClientHome h = openHome();
        DeviceClient device = device(h);
        try (RelayApi relay = relay(h, device)) {
            return op.run(new Messenger(device, relay, h, out), h, device);
        } catch (IOException e) {
            return failed(out, what, e);
        }
    }

    /** The contact for a device contact name or a relay user name, or a clear "no pad" failure. */
    static ContactEntry resolve(List<ContactEntry> contacts, String nameOrUser) throws IOException {
        for (ContactEntry c : contacts) {
            if (c.name().equals(nameOrUser)) {
                return c;
            }
        }
        for (ContactEntry c : contacts) {
            if (c.remoteId().equals(nameOrUser)) {
                return c;
            }
        }
        throw new IOException(Messenger.noPad(nameOrUser, contacts));
    }

    // --- commands ------------------------------------------------------------------------

    @Command(name = "pair", mixinStandardHelpOptions = true,
            description = "Pair with the device: it shows a code on its screen, you type it here.")
    static final class Pair implements Callable<Integer> {
        private static final int LOCAL_TRIES = 5;

        @ParentCommand
        OtpiCli root;

        @Option(names = "--name", description = "This client's name as the device will show it.", defaultValue = "laptop")
        String name;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            URI url = root.deviceUri(h);
            DeviceClient device = new DeviceClient(url, null);
            BufferedReader in = root.in();
            try {
                PairStartResponse start = device.pairStart(name);
                out.println("The device at " + url + " shows a " + start.codeDigits() + "-digit code (valid "
                        + start.expiresInSeconds() + " s). Type it here as shown, e.g. 7638 2081.");
                int badInput = 0;
                while (true) {
                    out.print("Code: ");
                    out.flush();
                    String line = in.readLine();
                    if (line == null) {
                        device.pairCancel(start.pairingId());
                        out.println();
                        out.println("Pairing not finished: no code given.");
                        return 1;
                    }
                    String code = line.replaceAll("[\\s-]", "");
                    if (!code.matches("\\d{" + start.codeDigits() + "}")) {
                        if (++badInput >= LOCAL_TRIES) {
                            device.pairCancel(start.pairingId());
                            out.println("Pairing not finished.");
                            return 1;
                        }
                        out.println("A code is " + start.codeDigits() + " digits, like 7638 2081: try again.");
                        continue;
                    }
                    try {
                        PairFinishResponse done = device.pairFinish(start.pairingId(), code);
                        h.set(ClientHome.DEVICE_URL, url.toString());
                        h.set(ClientHome.DEVICE_TOKEN, done.token());
                        out.println("Paired with the device at " + url + " as '" + done.clientName() + "'. Token stored in "
                                + h.dir() + ".");
                        return 0;
                    } catch (DeviceClientException e) {
                        if (ErrorCodes.WRONG_CODE.equals(e.code())) {
                            out.println("That code is not the one the device shows: try again.");
                            continue;
                        }
                        out.println("Pairing failed: the device ended this pairing (too many wrong codes, or the code"
                                + " expired). Run 'otpi pair' again for a new code.");
                        return 1;
                    }
                }
            } catch (DeviceClientException e) {
                if (ErrorCodes.BUSY.equals(e.code())) {
                    out.println("Pairing failed: the device is not taking pairings right now (too many attempts):"
                            + " wait a minute and try again.");
                    return 1;
                }
                return failed(out, "Pairing failed", e);
            } catch (IOException e) {
                return failed(out, "Pairing failed", e);
            }
        }
    }

    @Command(name = "contacts", mixinStandardHelpOptions = true, description = "List contacts and pad left.")
    static final class Contacts implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            try {
                List<ContactEntry> all = root.device(root.openHome()).contacts();
                if (all.isEmpty()) {
                    out.println("The device has no pads yet: exchange one on the device.");
                }
                for (ContactEntry c : all) {
                    out.printf("%-20s user %-20s send %10d  receive %10d%s%s%n", SafeText.escape(c.name()),
                            SafeText.escape(c.remoteId()), c.sendRemaining(), c.receiveRemaining(),
                            c.lowPad() ? "  LOW PAD" : "", c.expired() ? "  EXPIRED" : "");
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                return failed(out, "contacts", e);
            }
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true,
            description = "Seal a message on the device (approve it there) and send it through the relay.")
    static final class Send implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Recipient (relay user).")
        String to;

        @Parameters(index = "1..*", arity = "1..*", description = "The message; '-' reads it from standard input.")
        List<String> words;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            String text;
            if (words.equals(List.of("-"))) {
                text = root.in().lines().reduce((a, b) -> a + "\n" + b).orElse("");
                if (text.isEmpty()) {
                    out.println("send: nothing to send (standard input was empty)");
                    return 2;
                }
            } else {
                text = String.join(" ", words);
            }
            return root.withMessenger(out, "send", (messenger, h, device) -> messenger.send(to, text) ? 0 : 1);
        }
    }

    @Command(name = "inbox", mixinStandardHelpOptions = true, description = "Fetch, open, store and show new messages.")
    static final class Inbox implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            return root.withMessenger(out, "inbox", (messenger, h, device) -> {
                messenger.flushOutbox();
                int n = messenger.fetchAndShow();
                out.println(n + " new message" + (n == 1 ? "" : "s") + ".");
                out.flush();
                return 0;
            });
        }
    }

    @Command(name = "outbox", mixinStandardHelpOptions = true,
            description = {"Carry what waits to go out: messages written on the device's screen (sealed there; this",
                    "laptop only sees their packages) and this laptop's own sealed messages the relay has not taken.",
                    "'chat' and 'inbox' do this by themselves."})
    static final class OutboxCommand implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            return root.withMessenger(out, "outbox", (messenger, h, device) -> {
                int carried = messenger.flushOutbox();
                int left = h.outbox().items().size();
                int onDevice;
                try {
                    onDevice = device.outbox().size();
                } catch (IOException e) {
                    out.println("device: " + e.getMessage());
                    out.flush();
                    return 1;
                }
                out.println(carried + " carried to the relay; " + left + " still wait on this laptop, " + onDevice
                        + " written on the device still wait there.");
                out.flush();
                return left == 0 && onDevice == 0 ? 0 : 1;
            });
        }
    }

    @Command(name = "chat", mixinStandardHelpOptions = true, description = "Interactive chat with live receive.")
    static final class Chat implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = root.device(h);
            try (RelayApi relay = root.relay(h, device);
                 LineSource lines = root.interactiveTerminal ? LineSource.jline() : LineSource.plain(root.in(), out)) {
                Messenger messenger = new Messenger(device, relay, h, out);
                messenger.printer(line -> {
                    lines.printAbove(line);
                    return true;
                });
                ChatSession session = new ChatSession(messenger, relay, h);
                messenger.print("Welcome to OTPi chat as " + h.get(ClientHome.USER) + ". Type 'help' for help.");
                messenger.flushOutbox();
                messenger.fetchAndShow();
                // Opening waits for the person at the device: never block the relay's push thread.
                java.util.concurrent.ExecutorService opener = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "otpi-receive");
                    t.setDaemon(true);
                    return t;
                });
                // Messages written on the device's screen go out while the chat runs.
                java.util.concurrent.ScheduledExecutorService poll = java.util.concurrent.Executors
                        .newSingleThreadScheduledExecutor(r -> {
                            Thread t = new Thread(r, "otpi-device-outbox");
                            t.setDaemon(true);
                            return t;
                        });
                poll.scheduleWithFixedDelay(() -> opener.execute(() -> messenger.carryDeviceOutbox(false)),
                        DEVICE_OUTBOX_POLL_MS, DEVICE_OUTBOX_POLL_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
                try (AutoCloseable live = relay.subscribe(h.lastRef(), m -> opener.execute(() -> messenger.receive(m)));
                     AutoCloseable polling = poll::shutdownNow) {
                    String line;
                    while ((line = lines.readLine("> ")) != null) {
                        if (!session.handle(line)) {
                            break;
                        }
                    }
                } finally {
                    opener.shutdownNow();
                }
                return 0;
            } catch (IOException e) {
                return failed(out, "chat", e);
            }
        }
    }
}
