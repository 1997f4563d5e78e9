package org.otpi.appliance.admin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tinylog.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-admin vault attached|detached --path P}: run by udev/systemd when the vault
 * medium appears or goes. It needs no PIN: it checks what is on the medium, records the event in
 * the security log and tells the person what to do next. The appliance opens the vault itself
 * when the PIN is given at the kiosk.
 */
@Command(name = "vault", mixinStandardHelpOptions = true,
        description = "Record that the vault medium was attached or detached (run by udev/systemd).")
final class VaultMediumCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", description = "attached or detached")
    String event;

    @Option(names = "--path", required = true, description = "where the medium is mounted")
    Path path;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        switch (event) {
            case "attached" -> {
                if (!Files.isDirectory(path)) {
                    spec.commandLine().getErr().println("otpi-admin: no medium mounted at " + path);
                    return 7;
                }
                boolean vault = Files.isRegularFile(path.resolve("vault.hdr"));
                Logger.tag("security").info("vault medium attached ({})", vault ? "holds a vault" : "empty");
                out.println(vault ? "vault medium attached: unlock it with the PIN on the device"
                        : "empty medium attached: create a vault with 'otpi-admin init' or at the kiosk");
                return 0;
            }
            case "detached" -> {
                Logger.tag("security").info("vault medium detached");
                out.println("vault medium detached");
                return 0;
            }
            default -> {
                spec.commandLine().getErr().println("otpi-admin: say 'attached' or 'detached'");
                return 2;
            }
        }
    }
}
