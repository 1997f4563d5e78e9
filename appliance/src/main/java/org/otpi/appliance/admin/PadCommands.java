package org.otpi.appliance.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.otpi.appliance.device.VaultPads;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadRequest;
import org.otpi.appliance.entropy.PadResult;
import org.otpi.appliance.entropy.SourceHealth;
import org.otpi.appliance.exchange.Argon2Settings;
import org.otpi.appliance.exchange.InPersonExchange;
import org.otpi.appliance.exchange.TransferCode;
import org.otpi.appliance.exchange.TransferInfo;
import org.otpi.appliance.exchange.TransferReceipt;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Pad generation and the in-person exchange, for the device console (the kiosk offers the same). */
final class PadCommands {
    private PadCommands() {
    }

    static long parseSize(String s) throws VaultException {
        String t = s.trim().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("K")) {
            mult = 1024;
        } else if (t.endsWith("M")) {
            mult = 1024 * 1024;
        } else if (t.endsWith("G")) {
            mult = 1024L * 1024 * 1024;
        }
        try {
            return Long.parseLong(mult == 1 ? t : t.substring(0, t.length() - 1)) * mult;
        } catch (NumberFormatException e) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "bad size: " + s + " (e.g. 64M)");
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Generate a new pad for a contact: hardware RNG XOR kernel, written straight into the vault.")
    static final class Generate extends AdminMain.VaultCommand {
        @Option(names = "--contact", required = true)
        String contact;

        @Option(names = "--remote-id", required = true, description = "the contact's id (orders Person 0/1)")
        String remoteId;

        @Option(names = "--size", required = true, description = "pad size, e.g. 64M")
        String size;

        @Option(names = "--hrng", description = "hardware RNG to use (default /dev/otpi-hrng, then /dev/hwrng)")
        List<Path> hrng = List.of(Path.of("/dev/otpi-hrng"), Path.of("/dev/hwrng"));

        @Option(names = "--require-hardware", description = "refuse to make a kernel-only pad")
        boolean requireHardware;

        @Override
        int run(Vault v) throws Exception {
            long n = parseSize(size);
            try (EntropyService entropy = EntropyService.start(
                    new EntropyService.Config(hrng, 50_000, HealthParameters.DEFAULT, false, 0), e -> { })) {
                boolean hardware = entropy.status().hardwareHealth() == SourceHealth.HEALTHY;
                if (!hardware) {
                    if (requireHardware) {
                        throw new VaultException(VaultException.Kind.BAD_INPUT, "no healthy hardware RNG");
                    }
                    err().println("WARNING: no healthy hardware RNG: this pad comes from the kernel RNG only"
                            + " and is marked 'kernel'");
                }
                String label = (hardware ? PadOrigin.HRNG_KERNEL : PadOrigin.KERNEL).label();
                PrintWriter e = err();
                PadResult r = entropy.generatePad(new PadRequest(n, requireHardware),
                        VaultPads.sink(v, contact, remoteId, n, label),
                        p -> e.printf("\r%5.1f%%  %6.1f MB/s  %s left   ", 100 * p.fraction(), p.bytesPerSecond() / 1e6,
                                p.remaining()),
                        () -> false);
                e.println();
                if (!r.origin().label().equals(label)) {
                    v.deletePad(contact);
                    throw new VaultException(VaultException.Kind.IO, "the hardware RNG changed state during generation:"
                            + " pad discarded, generate again");
                }
                out().println("generated a " + n + "-byte pad for " + contact + " (" + label + "), pad id " + r.padIdHex());
                out().println("Hand it over in person: otpi-admin exchange-send --contact " + contact + " --medium DIR");
                return 0;
            }
        }
    }

    @Command(name = "exchange-send", mixinStandardHelpOptions = true,
            description = "Write a contact's pad to a transfer medium, sealed with a one-time code shown here.")
    static final class ExchangeSend extends AdminMain.VaultCommand {
        @Option(names = "--contact", required = true)
        String contact;

        @Option(names = "--medium", required = true, description = "the mounted transfer medium (a directory)")
        Path medium;

        @Option(names = "--expires-days", description = "both sides retire the pad after this many days")
        Integer expiresDays;

        @Override
        int run(Vault v) throws Exception {
            if (!Files.isDirectory(medium)) {
                throw new IOException("no transfer medium at " + medium);
            }
            PadStats s = v.stats(contact);
            if (s.sendUsed() > 0 || s.receiveUsed() > 0) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "this pad has been used: only a fresh pad is handed over");
            }
            InPersonExchange ex = new InPersonExchange(new SecureRandom(), Argon2Settings.DEFAULT);
            TransferCode code = ex.newCode();
            try {
                Instant now = Instant.now();
                TransferInfo info = new TransferInfo(s.size(), PadOrigin.ofLabel(s.source()), v.deviceId(), s.remoteId(), now,
                        expiresDays == null ? null : now.plus(expiresDays, ChronoUnit.DAYS));
                TransferReceipt r = ex.send(VaultPads.export(v, contact), info, code, medium);
                char[] shown = code.display();
                out().println("Transfer code (type it on the other device): " + new String(shown));
                Arrays.fill(shown, '\0');
                out().println("Fingerprint (both screens must show the same words): " + r.fingerprint().display());
                return 0;
            } finally {
                code.wipe();
            }
        }
    }

    @Command(name = "exchange-receive", mixinStandardHelpOptions = true,
            description = "Import a pad from a transfer medium with the code shown on the other device; wipes the medium.")
    static final class ExchangeReceive extends AdminMain.VaultCommand {
        @Option(names = "--contact", required = true, description = "name for the contact (the sender)")
        String contact;

        @Option(names = "--medium", required = true, description = "the mounted transfer medium (a directory)")
        Path medium;

        @Option(names = "--code-file", description = "read the transfer code from this file (else it is asked for)")
        Path codeFile;

        @Override
        int run(Vault v) throws Exception {
            char[] typed = codeFile != null ? AdminMain.firstLine(Files.newInputStream(codeFile))
                    : AdminMain.passphrase(null, "Transfer code: ");
            TransferCode code;
            try {
                code = TransferCode.parse(typed);
            } catch (IllegalArgumentException e) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "that is not a transfer code");
            } finally {
                Arrays.fill(typed, '\0');
            }
            try {
                InPersonExchange ex = new InPersonExchange(new SecureRandom(), Argon2Settings.DEFAULT);
                TransferReceipt r = ex.receive(medium, code, VaultPads.importer(v, contact));
                out().println("imported a " + r.info().size() + "-byte pad from " + r.info().senderId() + " as " + contact);
                out().println("Fingerprint (both screens must show the same words): " + r.fingerprint().display());
                return 0;
            } catch (org.otpi.appliance.exchange.WrongTransferCodeException e) {
                throw new VaultException(VaultException.Kind.WRONG_PIN, "wrong transfer code: nothing was imported");
            } catch (org.otpi.appliance.exchange.TransferPackageException e) {
                throw new VaultException(VaultException.Kind.CORRUPT, e.getMessage());
            } finally {
                code.wipe();
            }
        }
    }
}
