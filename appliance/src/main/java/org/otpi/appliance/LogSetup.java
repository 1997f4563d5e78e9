package org.otpi.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private LogSetup() {
    }

    /** Configures the console writer and the security log in {@code logDir}. */
    public static void configure(Path logDir, boolean verbose) {
        try {
            Files.createDirectories(logDir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the log directory " + logDir, e);
        }
        Configuration.replace(java.util.Map.of(
                "writer1", "console",
                "writer1.level", verbose ? "debug" : "info",
                "writer1.format", "{date: HH:mm:ss} {level} [{tag}] {message}",
                "writer2", "file",
                "writer2.tag", "security",
                "writer2.level", "info",
                "writer2.file", logDir.resolve(SECURITY_LOG).toString(),
                "writer2.append", "true",
                "writer2.format", "{date: yyyy-MM-dd'T'HH:mm:ss.SSSZ} {level} {message}"));
    }
}
