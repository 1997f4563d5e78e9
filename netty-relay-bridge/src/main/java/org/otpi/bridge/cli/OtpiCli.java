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
import org.otpi.protocol.rpc.PairFinishResponse;
import org.otpi.protocol.rpc.PairStartResponse;
import org.otpi.protocol.rpc.StreamSummary;
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
 * <p>Exit codes: 0 success, 1 the device or relay refused or failed, 2 usage error.
 */
@Command(name = "otpi", mixinStandardHelpOptions = true, version = "otpi 0.1.0",
        description = "OTPi laptop client: chat and files through your OTPi device.",
        subcommands = {OtpiCli.Pair.class, OtpiCli.Contacts.class, OtpiCli.Chat.class, OtpiCli.Send.class,
                OtpiCli.Inbox.class, OtpiCli.SealFile.class, OtpiCli.OpenFile.class})
public final class OtpiCli implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--home", description = "Client state directory (default ~/.otpi).")
    Path home = Path.of(System.getProperty("user.home"), ".otpi");

    @Option(names = "--device", description = "Device RPC URL (default: remembered, else http://127.0.0.1:8470).")
    URI deviceUrl;

    @Option(names = "--relay", description = "Relay URL (default: remembered).")
    URI relayUrl;

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
        System.exit(new CommandLine(cli).execute(args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    // --- shared plumbing -------------------------------------------------------------------

    ClientHome openHome() throws IOException {
        ClientHome h = ClientHome.open(home);
        if (deviceUrl != null) {
            h.set(ClientHome.DEVICE_URL, deviceUrl.toString());
        }
        if (relayUrl != null) {
            h.set(ClientHome.RELAY_URL, relayUrl.toString());
        }
        return h;
    }

    static URI deviceUri(ClientHome h) {
        String u = h.get(ClientHome.DEVICE_URL);
        return URI.create(u != null ? u : "http://127.0.0.1:8470");
    }

    /** A device client carrying the stored token; fails with a hint when not paired. */
    DeviceClient device(ClientHome h) {
        String token = h.get(ClientHome.DEVICE_TOKEN);
        if (token == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not paired with a device: run 'otpi pair' first");
        }
        return new DeviceClient(deviceUri(h), token);
    }

    /** Connects to the relay, registering the user on first use; remembers the token. */
    RelayApi relay(ClientHome h, DeviceClient device) throws IOException {
        String url = h.get(ClientHome.RELAY_URL);
        if (url == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no relay given: use --relay URL once");
        }
        String me = user != null ? user : h.get(ClientHome.USER);
        if (me == null) {
            me = device.whoami().deviceId();
        }
        if (!me.equals(h.get(ClientHome.USER))) {
            h.set(ClientHome.USER, me);
        }
        RelayApi relay = relays.connect(URI.create(url));
        String token = h.get(ClientHome.RELAY_TOKEN);
        if (token == null) {
            token = relay.register(me);
            h.set(ClientHome.RELAY_TOKEN, token);
        } else {
            relay.login(me, token);
        }
        return relay;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    BufferedReader in() {
        return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
    }

    static int failed(PrintWriter out, String what, IOException e) {
        out.println(what + ": " + (e instanceof DeviceClientException d ? Messenger.describe(d) : e.getMessage()));
        out.flush();
        return 1;
    }

    // --- commands ------------------------------------------------------------------------

    @Command(name = "pair", mixinStandardHelpOptions = true,
            description = "Pair with the device: it shows a code on its screen, you type it here.")
    static final class Pair implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Option(names = "--name", description = "This client's name as the device will show it.", defaultValue = "laptop")
        String name;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = new DeviceClient(deviceUri(h), null);
            try {
                PairStartResponse start = device.pairStart(name);
                out.println("The device shows a " + start.codeDigits() + "-digit code (valid " + start.expiresInSeconds() + " s).");
                out.print("Code: ");
                out.flush();
                String code = root.in().readLine();
                if (code == null) {
                    out.println("no code given");
                    return 1;
                }
                PairFinishResponse done = device.pairFinish(start.pairingId(), code.trim());
                h.set(ClientHome.DEVICE_TOKEN, done.token());
                out.println("Paired with the device as '" + done.clientName() + "'. Token stored in " + h.dir());
                return 0;
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
                for (ContactEntry c : all) {
                    out.printf("%-20s user %-20s send %10d  receive %10d%s%s%n", c.name(), c.remoteId(),
                            c.sendRemaining(), c.receiveRemaining(), c.lowPad() ? "  LOW PAD" : "", c.expired() ? "  EXPIRED" : "");
                }
                out.flush();
                return 0;
            } catch (IOException e) {
                return failed(out, "contacts", e);
            }
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Seal a message on the device and send it.")
    static final class Send implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Recipient (relay user).")
        String to;

        @Parameters(index = "1..*", arity = "1..*", description = "The message.")
        List<String> words;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = root.device(h);
            try (RelayApi relay = root.relay(h, device)) {
                return new Messenger(device, relay, h, out).send(to, String.join(" ", words)) ? 0 : 1;
            } catch (IOException e) {
                return failed(out, "send", e);
            }
        }
    }

    @Command(name = "inbox", mixinStandardHelpOptions = true, description = "Fetch, open and show new messages.")
    static final class Inbox implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = root.device(h);
            try (RelayApi relay = root.relay(h, device)) {
                int n = new Messenger(device, relay, h, out).fetchAndShow();
                out.println(n + " new message" + (n == 1 ? "" : "s") + ".");
                out.flush();
                return 0;
            } catch (IOException e) {
                return failed(out, "inbox", e);
            }
        }
    }

    @Command(name = "seal-file", mixinStandardHelpOptions = true, description = "Seal a file for a contact (streamed through the device).")
    static final class SealFile implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Contact.")
        String contact;

        @Parameters(index = "1", description = "Input file.")
        Path in;

        @Parameters(index = "2", description = "Output (sealed) file.")
        Path outFile;

        @Option(names = "--format", description = "V2 (default), OTC_V1 or ARMOR.")
        String format;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            try {
                StreamSummary s = root.device(root.openHome()).sealFile(contact, in, outFile, format);
                out.println("Sealed " + in + " -> " + outFile + " (" + s.padUsed() + " pad bytes used, " + s.remaining() + " left)");
                out.flush();
                return 0;
            } catch (IOException e) {
                return failed(out, "seal-file", e);
            }
        }
    }

    @Command(name = "open-file", mixinStandardHelpOptions = true, description = "Open a sealed file from a contact.")
    static final class OpenFile implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Contact.")
        String contact;

        @Parameters(index = "1", description = "Sealed input file.")
        Path in;

        @Parameters(index = "2", description = "Output (plaintext) file; written only if the device authenticated it.")
        Path outFile;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            try {
                StreamSummary s = root.device(root.openHome()).openFile(contact, in, outFile);
                for (String w : s.warnings()) {
                    out.println(Messenger.warning(w, contact));
                }
                out.println("Opened " + in + " -> " + outFile);
                out.flush();
                return 0;
            } catch (DeviceClientException e) {
                for (String w : e.warnings()) {
                    out.println(Messenger.warning(w, contact));
                }
                return failed(out, "open-file", e);
            } catch (IOException e) {
                return failed(out, "open-file", e);
            }
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
                messenger.printer(lines::printAbove);
                ChatSession session = new ChatSession(messenger, relay, h);
                messenger.print("Welcome to OTPi chat as " + h.get(ClientHome.USER) + ". Type 'help' for help.");
                messenger.fetchAndShow();
                // Opening waits for the person at the device: never block the relay's push thread.
                java.util.concurrent.ExecutorService opener = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "otpi-receive");
                    t.setDaemon(true);
                    return t;
                });
                try (AutoCloseable live = relay.subscribe(h.lastRef(), m -> opener.execute(() -> messenger.receive(m)))) {
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
