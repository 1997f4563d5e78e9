package org.otpi.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.otpi.appliance.securitylog.SecurityEventsWriter;
import org.tinylog.configuration.Configuration;

/**
 * TinyLog setup for the device's processes: the ordinary log on the console (journald on the
 * image), and the device's <b>security log</b> as a separate file writer that takes only entries
 * tagged {@code security} (integrity failures, replays, skips, PIN failures, health tests...).
 * Must run before the first log statement of the process. Nothing secret is ever logged: no pad
 * bytes, keys, PINs, tokens, message contents or contact names.
 */
public final class LogSetup {
    /** The security log's file name inside the log directory. */
    public static final String SECURITY_LOG = "security.log";
    /** Whether this class configured TinyLog (and so owns its shutdown); not in tests or embedders. */
    private static volatile boolean owned;

    private LogSetup() {
    }

    /** Configures the console writer and the security log in {@code logDir}. */
    public static void configure(Path logDir, boolean verbose) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the log directory " + logDir, e);
        }
        if (Configuration.isFrozen()) {
            // Logging already started (tests, or an embedding process): keep its configuration.
            return;
        }
        Configuration.replace(java.util.Map.ofEntries(
                // Our shutdown path ends with shutdown() below; TinyLog's own hook would close the
                // writers while ours still logs ("vault locked" was lost on every normal stop).
                java.util.Map.entry("autoshutdown", "false"),
                java.util.Map.entry("writer3", SecurityEventsWriter.class.getName()),
                java.util.Map.entry("writer3.tag", "security"),
                java.util.Map.entry("writer3.level", "info"),
                java.util.Map.entry("writer1", "console"),
                java.util.Map.entry("writer1.level", verbose ? "debug" : "info"),
                java.util.Map.entry("writer1.format", "{date: HH:mm:ss} {level} [{tag}] {message}"),
                java.util.Map.entry("writer2", "file"),
                java.util.Map.entry("writer2.tag", "security"),
                java.util.Map.entry("writer2.level", "info"),
                java.util.Map.entry("writer2.file", logDir.resolve(SECURITY_LOG).toString()),
                java.util.Map.entry("writer2.append", "true"),
                java.util.Map.entry("writer2.format", "{date: yyyy-MM-dd'T'HH:mm:ss.SSSZ} {level} {message}")));
        owned = true;
    }

    /**
     * For an operator's command on the device ({@code otpi-appliance clients}): its security events
     * go to the same security log file as the daemon's ({@code logDir}); warnings to standard
     * error; standard output stays the command's own.
     */
    public static void configureTool(Path logDir) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            configureCli();
            return;
        }
        if (Configuration.isFrozen()) {
            return;
        }
        Configuration.replace(java.util.Map.ofEntries(
                java.util.Map.entry("autoshutdown", "false"),
                java.util.Map.entry("writer1", "console"),
                java.util.Map.entry("writer1.stream", "err"),
                java.util.Map.entry("writer1.level", "warn"),
                java.util.Map.entry("writer1.format", "{level}: {message}"),
                java.util.Map.entry("writer2", "file"),
                java.util.Map.entry("writer2.tag", "security"),
                java.util.Map.entry("writer2.level", "info"),
                java.util.Map.entry("writer2.file", logDir.resolve(SECURITY_LOG).toString()),
                java.util.Map.entry("writer2.append", "true"),
                java.util.Map.entry("writer2.format", "{date: yyyy-MM-dd'T'HH:mm:ss.SSSZ} {level} {message}")));
        owned = true;
    }

    /**
     * Flushes and closes every writer. Call it last, at the very end of the process's own
     * shutdown path: {@link #configure} turns TinyLog's own shutdown hook off, because that hook
     * runs concurrently with ours and closed the security log before the last events of a stop
     * ("vault locked") were written. Entries logged after this call are lost. Does nothing when
     * the logging was configured by someone else (tests, an embedding process).
     */
    public static void shutdown() {
        if (!owned) {
            return;
        }
        try {
            org.tinylog.provider.ProviderRegistry.getLoggingProvider().shutdown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * For command-line tools whose standard output may carry data (a sealed message): log only
     * warnings, and only to standard error.
     */
    public static void configureCli() {
        if (Configuration.isFrozen()) {
            return;
        }
        Configuration.replace(java.util.Map.of(
                "writer", "console",
                "writer.stream", "err",
                "writer.level", "warn",
                "writer.format", "{level}: {message}"));
    }
}
