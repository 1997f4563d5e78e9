package org.otpi.relay;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.otpi.relay.store.RelayStore;
import org.otpi.relay.store.RelayStores;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-relay}: the untrusted relay.
 *
 * <pre>
 * otpi-relay serve --port 8090 --bind 127.0.0.1 --store sqlite:relay.db
 * otpi-relay serve --store postgres:jdbc:postgresql://db:5432/relay?user=relay --tls-keystore relay.p12 --tls-password-file relay.pass
 * otpi-relay make-cert --keystore relay.p12 --password-file relay.pass --cert relay.crt --name relay.example --name 127.0.0.1
 * otpi-relay serve --registration invite --trusted-proxy 10.0.0.5 --store postgres:...
 * otpi-relay invite --store postgres:... --count 5 --valid-days 14
 * </pre>
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "otpi-relay", mixinStandardHelpOptions = true, version = "otpi-relay 0.1",
        description = "Untrusted store-and-forward relay for sealed OTPi packages.",
        subcommands = {RelayMain.Serve.class, RelayMain.MakeCert.class, RelayMain.Invite.class})
public final class RelayMain implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        defaultLogging();
        System.exit(new CommandLine(new RelayMain()).execute(args));
    }

    /**
     * tinylog's built-in default is TRACE to the console (every SQL statement); unless the
     * deployment supplies a configuration, log INFO and up, security events included.
     */
    static void defaultLogging() {
        if (RelayMain.class.getResource("/tinylog.properties") == null && System.getProperty("tinylog.configuration") == null
                && System.getProperty("tinylog.writer") == null && !org.tinylog.configuration.Configuration.isFrozen()) {
            org.tinylog.configuration.Configuration.set("writer", "console");
            org.tinylog.configuration.Configuration.set("writer.level", "info");
            org.tinylog.configuration.Configuration.set("writer.format", "{date: yyyy-MM-dd HH:mm:ss} {level} {tag}: {message}");
        }
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the relay until stopped.")
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind (default ${DEFAULT-VALUE}).")
        String bind;

        @Option(names = "--port", defaultValue = "8090", description = "TCP port (default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--store", defaultValue = "sqlite:otpi-relay.db",
                description = "sqlite:PATH or postgres:JDBCURL (default ${DEFAULT-VALUE}).")
        String store;

        @Option(names = "--tls-keystore", description = "PKCS#12 keystore (from make-cert); enables TLS.")
        Path keystore;

        @Option(names = "--tls-password-file", description = "File holding the keystore password.")
        Path passwordFile;

        @Option(names = "--legacy", description = "Also serve the paper's /check /send /getmessages /getnextref"
                + " (/getmessages needs the recipient's token; /send lets anyone queue for a registered account).")
        boolean legacy;

        @Option(names = "--no-legacy", hidden = true, description = "The default now; kept for old scripts.")
        boolean noLegacy;

        @Option(names = "--registration", defaultValue = "open",
                description = "open, invite (codes from 'otpi-relay invite') or closed (default ${DEFAULT-VALUE}).")
        String registration;

        @Option(names = "--trusted-proxy", description = "Load balancer address or CIDR whose PROXY protocol header and"
                + " X-Forwarded-For name the client (repeatable; default none).")
        List<String> trustedProxies;

        @Option(names = "--queue-limit", defaultValue = "10000", description = "Packages queued per recipient (default ${DEFAULT-VALUE}).")
        int queueLimit;

        @Option(names = "--queue-mb", defaultValue = "64", description = "MiB queued per recipient (default ${DEFAULT-VALUE}).")
        long queueMb;

        @Option(names = "--fetch-kb", defaultValue = "512", description = "KiB of packages per fetch page (default ${DEFAULT-VALUE}).")
        int fetchKb;

        @Option(names = "--max-connections", defaultValue = "8192", description = "Open connections on this node (default ${DEFAULT-VALUE}).")
        int maxConnections;

        @Option(names = "--max-connections-per-address", defaultValue = "128",
                description = "Open connections per client address (default ${DEFAULT-VALUE}).")
        int maxConnectionsPerAddress;

        @Option(names = "--request-seconds", defaultValue = "30", description = "A request must arrive whole within this (default ${DEFAULT-VALUE}).")
        int requestSeconds;

        @Option(names = "--memory-budget-mb", defaultValue = "0",
                description = "MiB of bodies, answers and pushes held at once (default: a quarter of the heap).")
        long memoryBudgetMb;

        @Option(names = "--rate", defaultValue = "100", description = "Requests per second per account (default ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--burst", defaultValue = "200", description = "Token-bucket size per account (default ${DEFAULT-VALUE}).")
        int burst;

        @Option(names = "--register-rate", defaultValue = "2", description = "Registrations per second per address (default ${DEFAULT-VALUE}).")
        double registerRate;

        @Option(names = "--max-package-chars", defaultValue = "350000", description = "Longest package in base64 characters (default ${DEFAULT-VALUE}).")
        int maxPackageChars;

        @Option(names = "--retention-days", defaultValue = "30", description = "Delete unacknowledged packages older than this (0 = never; default ${DEFAULT-VALUE}).")
        int retentionDays;

        @Option(names = "--chaos", description = "TEST ONLY: act as a hostile relay, e.g. seed=42,drop=0.02,corrupt=0.02,duplicate=0.02,reorder=0.1,replay=0.02")
        String chaos;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            RelayLimits defaults = RelayLimits.defaults();
            RelayConfig.Registration reg;
            try {
                reg = RelayConfig.Registration.valueOf(registration.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--registration must be open, invite or closed");
            }
            RelayLimits limits;
            try {
                limits = defaults.toBuilder().rate(rate, burst)
                        .registrationRate(registerRate, defaults.registrationBurst())
                        .maxPackageChars(maxPackageChars)
                        .maxBodyBytes(Math.max(defaults.maxBodyBytes(), maxPackageChars + 64 * 1024))
                        .queueLimit(queueLimit).queueBytes(queueMb << 20)
                        .fetch(defaults.fetchLimit(), fetchKb * 1024)
                        .connections(maxConnections, maxConnectionsPerAddress)
                        .requestSeconds(requestSeconds)
                        .memoryBudgetBytes(memoryBudgetMb << 20)
                        .build();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            RelayConfig.Builder b = RelayConfig.builder().bind(bind).port(port).limits(limits).legacyEndpoints(legacy)
                    .registration(reg).trustedProxies(trustedProxies == null ? List.of() : trustedProxies);
            if (keystore != null) {
                if (passwordFile == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--tls-keystore needs --tls-password-file");
                }
                b.tls(RelayTls.serverContext(keystore, RelayTls.readPassword(passwordFile)));
            }
            if (chaos != null) {
                b.deliveryFilter(new ChaosProxy(ChaosProxy.Settings.parse(chaos)));
                out.println("!!! CHAOS MODE: this relay drops, corrupts, duplicates, reorders and replays packages: " + chaos);
                Logger.warn("relay started in CHAOS test mode: {}", chaos);
            }
            if (legacy) {
                out.println("note: the paper's plain endpoints are on: anyone may queue packages for a registered account"
                        + " through /send (as a claimed sender)");
            }
            RelayStore st = RelayStores.open(store);
            RelayServer server;
            try {
                server = RelayServer.start(b.build(), st);
            } catch (Exception e) {
                st.close();
                throw e;
            }
            ScheduledExecutorService purge = Executors.newSingleThreadScheduledExecutor();
            if (retentionDays > 0) {
                long keep = TimeUnit.DAYS.toMillis(retentionDays);
                purge.scheduleWithFixedDelay(() -> {
                    try {
                        int n = st.purgeOlderThan(System.currentTimeMillis() - keep);
                        if (n > 0) {
                            Logger.info("relay: purged {} packages older than {} days", n, retentionDays);
                        }
                    } catch (RuntimeException e) {
                        Logger.warn(e, "relay: purge failed");
                    }
                }, 1, 60, TimeUnit.MINUTES);
            }
            out.println("otpi-relay listening on " + server.uri());
            out.flush();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                purge.shutdownNow();
                server.close();
                st.close();
                stopped.countDown();
            }, "relay-shutdown"));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "make-cert", mixinStandardHelpOptions = true,
            description = "Make a self-signed TLS certificate (EC P-256) with the JDK keytool.")
    static final class MakeCert implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--keystore", defaultValue = "otpi-relay.p12", description = "PKCS#12 file to create (default ${DEFAULT-VALUE}).")
        Path keystore;

        @Option(names = "--password-file", defaultValue = "otpi-relay.pass", description = "Password file, created 0600 if absent (default ${DEFAULT-VALUE}).")
        Path passwordFile;

        @Option(names = "--cert", defaultValue = "otpi-relay.crt", description = "Certificate in PEM for clients (default ${DEFAULT-VALUE}).")
        Path cert;

        @Option(names = "--name", description = "DNS name or IP address (repeatable; default localhost and 127.0.0.1).")
        List<String> names;

        @Option(names = "--days", defaultValue = "825", description = "Validity in days (default ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            List<String> n = names == null || names.isEmpty() ? List.of("localhost", "127.0.0.1") : names;
            String fp = RelayTls.makeSelfSigned(keystore, passwordFile, cert, n, days);
            PrintWriter out = spec.commandLine().getOut();
            out.println("keystore:    " + keystore);
            out.println("password:    " + passwordFile + " (keep it 0600)");
            out.println("certificate: " + cert + " (give this to clients)");
            out.println("SHA-256:     " + fp);
            out.flush();
            return 0;
        }
    }

    @Command(name = "invite", mixinStandardHelpOptions = true,
            description = "Make invite codes for '--registration invite' (each good for one account).")
    static final class Invite implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--store", defaultValue = "sqlite:otpi-relay.db",
                description = "The relay's store: sqlite:PATH or postgres:JDBCURL (default ${DEFAULT-VALUE}).")
        String store;

        @Option(names = "--count", defaultValue = "1", description = "How many codes (default ${DEFAULT-VALUE}).")
        int count;

        @Option(names = "--valid-days", defaultValue = "14", description = "Days each code stays valid (default ${DEFAULT-VALUE}).")
        int validDays;

        @Override
        public Integer call() {
            if (count < 1 || count > 10_000 || validDays < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--count 1..10000, --valid-days >= 1");
            }
            List<String> codes = Invites.make(count);
            long now = System.currentTimeMillis();
            try (RelayStore st = RelayStores.open(store)) {
                st.addInvites(codes.stream().map(Invites::hash).toList(), now, now + TimeUnit.DAYS.toMillis(validDays));
            }
            Logger.tag("security").info("relay: {} invite codes made, valid {} days", count, validDays);
            PrintWriter out = spec.commandLine().getOut();
            codes.forEach(out::println);
            out.flush();
            return 0;
        }
    }
}
