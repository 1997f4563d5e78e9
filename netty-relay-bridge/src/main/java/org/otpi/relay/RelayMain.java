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
 * </pre>
 * Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "otpi-relay", mixinStandardHelpOptions = true, version = "otpi-relay 0.1",
        description = "Untrusted store-and-forward relay for sealed OTPi packages.",
        subcommands = {RelayMain.Serve.class, RelayMain.MakeCert.class})
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

        @Option(names = "--no-legacy", negatable = false, description = "Do not serve /check /send /getmessages /getnextref.")
        boolean noLegacy;

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
            RelayLimits limits = defaults.withRate(rate, burst)
                    .withRegistrationRate(registerRate, defaults.registrationBurst())
                    .withSizes(maxPackageChars, Math.max(defaults.maxBodyBytes(), maxPackageChars + 64 * 1024));
            RelayConfig.Builder b = RelayConfig.builder().bind(bind).port(port).limits(limits).legacyEndpoints(!noLegacy);
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
}
