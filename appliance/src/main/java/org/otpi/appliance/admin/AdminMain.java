package org.otpi.appliance.admin;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.otpi.appliance.crypto.Argon2id;
import org.otpi.appliance.vault.Format;
import org.otpi.appliance.vault.Opened;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.Sealed;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.format.ArmoredMessage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code otpi-admin}: the device-side administration CLI. Runs on the device (or in emulation)
 * against the vault medium directly; refuses to run while the appliance holds the vault.
 *
 * <p>Exit codes: 0 ok; 1 unexpected failure; 2 bad usage or input; 3 PIN wrong, rate-limited,
 * vault wiped or missing; 4 unknown or existing contact; 5 pad exhausted or retired;
 * 6 corrupt, forged or replayed package; 7 I/O failure, truncated or too large input.
 */
@Command(name = "otpi-admin", mixinStandardHelpOptions = true, version = "otpi-admin 0.1",
        description = "Administer the OTPi vault: contacts, pads, backups, sealing files.",
        subcommands = {AdminMain.Init.class, AdminMain.Contacts.class, AdminMain.Stats.class, AdminMain.Import.class,
                AdminMain.Export.class, AdminMain.Restore.class, AdminMain.Delete.class, AdminMain.Expire.class,
                AdminMain.SkipAhead.class, AdminMain.KeepUnconfirmed.class,
                AdminMain.Seal.class, AdminMain.Open.class, PadCommands.Generate.class, PadCommands.ExchangeSend.class,
                PadCommands.ExchangeReceive.class, VaultMediumCommand.class})
public final class AdminMain implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        org.otpi.appliance.LogSetup.configureCli();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.in));
    }

    /** Runs the CLI with the given streams (for tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err, InputStream stdin) {
        CommandLine cl = new CommandLine(new AdminMain());
        cl.setOut(out);
        cl.setErr(err);
        STDIN.set(stdin);
        cl.setExecutionExceptionHandler((ex, line, parse) -> {
            if (ex instanceof VaultException v) {
                line.getErr().println("otpi-admin: " + v.getMessage());
                return v.kind().exitCode();
            }
            if (ex instanceof IOException io) {
                line.getErr().println("otpi-admin: " + io.getMessage());
                return 7;
            }
            line.getErr().println("otpi-admin: unexpected failure: " + ex);
            return 1;
        });
        return cl.execute(args);
    }

    static final ThreadLocal<InputStream> STDIN = new ThreadLocal<>();

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }

    /** Where the vault is and how to get the PIN. */
    static final class VaultOptions {
        @Option(names = "--vault", required = true, description = "vault medium directory (the mounted USB stick)")
        Path medium;

        @Option(names = "--state", required = true, description = "device state directory on the SD card")
        Path state;

        @Option(names = "--pin-file", description = "read the PIN from the first line of this file (scripts and tests)")
        Path pinFile;

        @Option(names = "--pin-stdin", description = "read the PIN from the first line of standard input")
        boolean pinStdin;

        char[] pin(PrintWriter err) throws IOException {
            if (pinFile != null) {
                return firstLine(Files.newInputStream(pinFile));
            }
            if (pinStdin) {
                return firstLine(STDIN.get());
            }
            Console c = System.console();
            if (c == null) {
                throw new IOException("no terminal to ask for the PIN: use --pin-file or --pin-stdin");
            }
            return c.readPassword("PIN: ");
        }

        Vault unlock(PrintWriter err) throws IOException, VaultException {
            char[] pin = pin(err);
            try {
                return Vault.unlock(medium, state, pin, VaultPolicy.DEFAULT, Clock.systemUTC());
            } finally {
                Arrays.fill(pin, '\0');
            }
        }
    }

    /** Reads one line as chars without making a String of it. */
    static char[] firstLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 1024) {
                throw new IOException("secret line too long");
            }
        }
        byte[] bytes = b.toByteArray();
        char[] chars = StandardCharsets.UTF_8.decode(java.nio.ByteBuffer.wrap(bytes)).array();
        Arrays.fill(bytes, (byte) 0);
        int n = 0;
        while (n < chars.length && chars[n] != 0) {
            n++;
        }
        char[] out = Arrays.copyOf(chars, n);
        Arrays.fill(chars, '\0');
        return out;
    }

    /** A subcommand that works on the unlocked vault. */
    abstract static class VaultCommand implements Callable<Integer> {
        @Mixin
        VaultOptions vault;

        @Spec
        CommandLine.Model.CommandSpec spec;

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        PrintWriter err() {
            return spec.commandLine().getErr();
        }

        @Override
        public Integer call() throws Exception {
            try (Vault v = vault.unlock(err())) {
                return run(v);
            }
        }

        abstract int run(Vault v) throws Exception;
    }

    @Command(name = "init", mixinStandardHelpOptions = true, description = "Create a new vault on the medium.")
    static final class Init implements Callable<Integer> {
        @Mixin
        VaultOptions vault;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--device-id", required = true, description = "this device's id (e.g. your relay user name)")
        String deviceId;

        @Option(names = "--kdf-memory-mib", defaultValue = "64", description = "Argon2id memory in MiB (default ${DEFAULT-VALUE})")
        int memoryMiB;

        @Option(names = "--kdf-iterations", defaultValue = "1", description = "Argon2id passes (default ${DEFAULT-VALUE})")
        int iterations;

        @Override
        public Integer call() throws Exception {
            char[] pin = vault.pin(spec.commandLine().getErr());
            try (Vault v = Vault.create(vault.medium, vault.state, deviceId, pin, new Argon2id(memoryMiB * 1024, iterations, 1),
                    VaultPolicy.DEFAULT)) {
                spec.commandLine().getOut().println("vault created for device " + v.deviceId());
                return 0;
            } finally {
                Arrays.fill(pin, '\0');
            }
        }
    }

    @Command(name = "contacts", mixinStandardHelpOptions = true, description = "List contacts and their pads.")
    static final class Contacts extends VaultCommand {
        @Override
        int run(Vault v) throws VaultException {
            List<PadStats> all = v.contacts();
            out().printf("%-24s %-16s %-6s %14s %14s %s%n", "CONTACT", "ID", "PERSON", "SEND LEFT", "RECEIVE LEFT", "FLAGS");
            for (PadStats s : all) {
                out().printf("%-24s %-16s %-6d %14d %14d %s%n", s.contact(), s.remoteId(), s.person(), s.sendRemaining(),
                        s.receiveRemaining(), flags(s));
            }
            if (all.isEmpty()) {
                out().println("(no contacts yet: import a pad with 'otpi-admin import')");
            }
            return 0;
        }
    }

    static String flags(PadStats s) {
        StringBuilder b = new StringBuilder();
        if (s.low()) {
            b.append("LOW-PAD ");
        }
        if (s.expired()) {
            b.append("EXPIRED(").append(s.expiredBy()).append(") ");
        }
        if ("kernel".equals(s.source())) {
            b.append("KERNEL-RNG-ONLY ");
        }
        return b.toString().trim();
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Show pad statistics for a contact.")
    static final class Stats extends VaultCommand {
        @Parameters(index = "0", description = "contact name")
        String contact;

        @Override
        int run(Vault v) throws VaultException {
            PadStats s = v.stats(contact);
            PrintWriter o = out();
            o.println("contact:          " + s.contact());
            o.println("contact id:       " + s.remoteId());
            o.println("pad id:           " + s.padId());
            o.println("size:             " + s.size() + " bytes");
            o.println("source:           " + s.source() + ("kernel".equals(s.source()) ? "  (no hardware RNG was used)" : ""));
            o.println("kind:             " + s.kind());
            o.println("this device is:   Person " + s.person());
            o.println("send:             " + s.sendUsed() + " used, " + s.sendRemaining() + " left of " + s.sendCapacity());
            o.println("receive:          " + s.receiveUsed() + " used, " + s.receiveRemaining() + " left of " + s.receiveCapacity());
            o.println("low-pad warning:  below " + s.lowThreshold() + " bytes" + (s.low() ? "  (LOW NOW)" : ""));
            o.println("status:           " + (s.expired() ? "expired (" + s.expiredBy() + ")" : "active"));
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a raw pad file (e.g. a CDOTP OTP.dat or a cipher.txt) for a new contact.")
    static final class Import extends VaultCommand {
        @Option(names = "--contact", required = true, description = "name for the contact (kept encrypted)")
        String contact;

        @Option(names = "--remote-id", required = true, description = "the contact's id (orders Person 0/1)")
        String remoteId;

        @Option(names = "--encoding", defaultValue = "raw", description = "raw (binary) or hex (text; whitespace ignored)")
        String encoding;

        @Option(names = "--kind", defaultValue = "message", description = "message or site-link")
        String kind;

        @Parameters(index = "0", description = "the pad file")
        Path file;

        @Override
        int run(Vault v) throws Exception {
            if (!Files.isRegularFile(file)) {
                throw new IOException("no such pad file: " + file);
            }
            PadStats s;
            if ("hex".equals(encoding)) {
                byte[] raw = decodeHex(Files.readString(file, StandardCharsets.US_ASCII));
                try {
                    s = v.importPad(contact, remoteId, new java.io.ByteArrayInputStream(raw), raw.length, "imported", kind, null);
                } finally {
                    Arrays.fill(raw, (byte) 0);
                }
            } else if ("raw".equals(encoding) && "site-link".equals(kind)) {
                // The PSK note's key file is slots from its first byte; the vault's pads start with a
                // 16-byte id. Both sites derive the same id from the file, so no consultation is needed.
                byte[] id = siteLinkId(file);
                try (InputStream in = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(id),
                        new BufferedInputStream(Files.newInputStream(file)))) {
                    s = v.importPad(contact, remoteId, in, id.length + Files.size(file), "imported", kind, null);
                }
            } else if ("raw".equals(encoding)) {
                if (looksLikeText(file)) {
                    err().println("warning: this file looks like text; if it is hex, use --encoding hex");
                }
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                    s = v.importPad(contact, remoteId, in, Files.size(file), "imported", kind, null);
                }
            } else {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "unknown encoding: " + encoding);
            }
            out().println("imported a " + s.size() + "-byte pad for " + s.contact() + "; this device is Person " + s.person()
                    + "; pad id " + s.padId());
            out().println("The pad file still holds the pad: destroy it or keep it only on removable media.");
            return 0;
        }

        private static byte[] siteLinkId(Path f) throws IOException {
            try (InputStream in = Files.newInputStream(f)) {
                java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
                d.update("otpi site-link id".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) > 0; ) {
                    d.update(buf, 0, n);
                }
                return Arrays.copyOf(d.digest(), 16);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        private static boolean looksLikeText(Path f) throws IOException {
            try (InputStream in = Files.newInputStream(f)) {
                byte[] head = in.readNBytes(4096);
                for (byte b : head) {
                    if (b < 0x09 || (b > 0x0d && b < 0x20) || b < 0) {
                        return false;
                    }
                }
                return head.length > 0;
            }
        }

        private static byte[] decodeHex(String text) throws VaultException {
            String clean = text.replaceAll("\\s+", "");
            try {
                return HexFormat.of().parseHex(clean);
            } catch (IllegalArgumentException e) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "the pad file is not hex text");
            }
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Write an encrypted backup of every pad.")
    static final class Export extends VaultCommand {
        @Option(names = "--out", required = true, description = "backup file to write")
        Path file;

        @Option(names = "--passphrase-file", description = "read the backup passphrase from this file")
        Path passFile;

        @Override
        int run(Vault v) throws Exception {
            char[] pass = passphrase(passFile, "Backup passphrase: ");
            Path tmp = file.resolveSibling(file.getFileName() + ".partial");
            try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                v.exportBackup(o, pass, Argon2id.VAULT_DEFAULT);
            } catch (VaultException | IOException e) {
                Files.deleteIfExists(tmp);
                throw e;
            } finally {
                Arrays.fill(pass, '\0');
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            out().println("encrypted backup written to " + file);
            return 0;
        }
    }

    static char[] passphrase(Path file, String prompt) throws IOException {
        if (file != null) {
            return firstLine(Files.newInputStream(file));
        }
        Console c = System.console();
        if (c == null) {
            throw new IOException("no terminal to ask for the passphrase: use --passphrase-file");
        }
        return c.readPassword(prompt);
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, description = "Restore pads from an encrypted backup.")
    static final class Restore extends VaultCommand {
        @Parameters(index = "0", description = "backup file")
        Path file;

        @Option(names = "--passphrase-file", description = "read the backup passphrase from this file")
        Path passFile;

        @Override
        int run(Vault v) throws Exception {
            char[] pass = passphrase(passFile, "Backup passphrase: ");
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
                Vault.RestoreReport r = v.restoreBackup(in, pass);
                out().println("restored: " + r.restored() + (r.skipped().isEmpty() ? "" : "; skipped (already here): " + r.skipped()));
                if (!r.receiveOnly().isEmpty()) {
                    out().println("receive-only: " + r.receiveOnly() + " (this SD card has no record of how much of these"
                            + " pads was sent since the backup; they seal again after each contact's next message,"
                            + " or after `skip-ahead CONTACT BYTES`)");
                }
                return 0;
            } finally {
                Arrays.fill(pass, '\0');
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a contact and overwrite its pad.")
    static final class Delete extends VaultCommand {
        @Parameters(index = "0", description = "contact name")
        String contact;

        @Option(names = "--yes", description = "confirm: this cannot be undone")
        boolean yes;

        @Override
        int run(Vault v) throws VaultException {
            if (!yes) {
                throw new VaultException(VaultException.Kind.BAD_INPUT, "deleting a pad cannot be undone: add --yes");
            }
            v.deletePad(contact);
            out().println("deleted " + contact);
            return 0;
        }
    }

    @Command(name = "expire", mixinStandardHelpOptions = true, description = "Retire a contact's pad on this device.")
    static final class Expire extends VaultCommand {
        @Parameters(index = "0", description = "contact name")
        String contact;

        @Override
        int run(Vault v) throws VaultException {
            v.expire(contact);
            out().println("pad for " + contact + " retired; to tell them, seal a last message with --expire first");
            return 0;
        }
    }

    @Command(name = "skip-ahead", mixinStandardHelpOptions = true,
            description = "Skip our send cursor ahead (a pad restored without this device's record of its use).")
    static final class SkipAhead extends VaultCommand {
        @Parameters(index = "0", description = "contact name")
        String contact;

        @Parameters(index = "1", description = "bytes of pad to skip (never used, destroyed)")
        long bytes;

        @Override
        int run(Vault v) throws VaultException {
            PadStats st = v.skipAhead(contact, bytes);
            out().println("skipped " + bytes + " bytes of the pad for " + contact + "; " + st.sendRemaining()
                    + " bytes left to send");
            return 0;
        }
    }

    @Command(name = "keep-unconfirmed", mixinStandardHelpOptions = true,
            description = "How long a message opened for a laptop keeps its pad until the laptop confirms it has it"
                    + " (meanwhile the same package opens again as a repeat). Shows the setting without an argument.")
    static final class KeepUnconfirmed extends VaultCommand {
        @Parameters(index = "0", arity = "0..1", description = "hours (1/60 to 2160); default 168 (7 days)")
        Double hours;

        @Override
        int run(Vault v) throws VaultException {
            if (hours != null) {
                v.setKeepOpenedMillis(Math.round(hours * 3_600_000));
            }
            out().printf("unconfirmed opens keep their pad for %.1f hours%n", v.keepOpenedMillis() / 3_600_000.0);
            return 0;
        }
    }

    /** A command that reads a file (or standard input) and writes one (or standard output) for a contact. */
    abstract static class FileCommand extends VaultCommand {
        @Option(names = "--contact", required = true)
        String contact;

        @Option(names = "--in", description = "input file (default: standard input)")
        Path in;

        @Option(names = "--out", description = "output file (default: standard output)")
        Path outFile;
    }

    @Command(name = "seal", mixinStandardHelpOptions = true,
            description = "Seal a file or standard input for a contact (armored text by default).")
    static final class Seal extends FileCommand {

        @Option(names = "--format", defaultValue = "armor", description = "armor, v2 or v1 (default ${DEFAULT-VALUE})")
        String format;

        @Option(names = "--pad-length", description = "hide the message length (armor and v2)")
        boolean padLength;

        @Option(names = "--expire", description = "make this the last message: retires the pad on both sides")
        boolean expire;

        @Override
        int run(Vault v) throws Exception {
            Format f = switch (format) {
                case "armor" -> Format.ARMOR;
                case "v2" -> Format.V2;
                case "v1" -> Format.OTC_V1;
                default -> throw new VaultException(VaultException.Kind.BAD_INPUT, "unknown format: " + format);
            };
            if (in != null && !Files.isRegularFile(in)) {
                throw new IOException("no such input file: " + in);
            }
            boolean stream = f == Format.V2 && in != null && !padLength && !expire && Files.size(in) > 1024 * 1024;
            if (stream) {
                Path tmp = tempFor(outFile);
                try (InputStream i = new BufferedInputStream(Files.newInputStream(in));
                     OutputStream o = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    Sealed s = v.sealFile(contact, i, Files.size(in), o);
                    report(s);
                } catch (Exception e) {
                    Files.deleteIfExists(tmp);
                    throw e;
                }
                Files.move(tmp, outFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return 0;
            }
            byte[] m = in == null ? STDIN.get().readNBytes(Vault.MAX_MESSAGE + 1) : readBounded(in);
            if (m.length > Vault.MAX_MESSAGE) {
                throw new VaultException(VaultException.Kind.TOO_LARGE, "input too large for one message; use --format v2 with --in/--out");
            }
            try {
                Sealed s = v.seal(contact, m, new SealOptions(f, padLength, expire));
                write(outFile, s.packageBytes(), out());
                report(s);
            } finally {
                Arrays.fill(m, (byte) 0);
            }
            return 0;
        }

        private void report(Sealed s) {
            err().println("sealed: " + s.padCost() + " pad bytes used, " + s.sendRemaining() + " left"
                    + (s.low() ? " (LOW PAD: arrange a new pad)" : ""));
        }
    }

    private static Path tempFor(Path out) throws VaultException {
        if (out == null) {
            throw new VaultException(VaultException.Kind.BAD_INPUT, "large files need --out");
        }
        return out.resolveSibling(out.getFileName() + ".partial");
    }

    static byte[] readBounded(Path p) throws IOException, VaultException {
        if (Files.size(p) > Vault.MAX_MESSAGE) {
            throw new VaultException(VaultException.Kind.TOO_LARGE, "input too large for one message; use --format v2");
        }
        return Files.readAllBytes(p);
    }

    static void write(Path file, byte[] data, PrintWriter out) throws IOException {
        if (file == null) {
            out.flush();
            System.out.write(data);
            System.out.flush();
        } else {
            Path tmp = file.resolveSibling(file.getFileName() + ".partial");
            Files.write(tmp, data);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Command(name = "open", mixinStandardHelpOptions = true,
            description = "Open a sealed message or file from a contact (armored or binary).")
    static final class Open extends FileCommand {

        @Override
        int run(Vault v) throws Exception {
            if (in != null && !Files.isRegularFile(in)) {
                throw new IOException("no such input file: " + in);
            }
            Opened o;
            if (in != null && Files.size(in) > Vault.MAX_MESSAGE) {
                Path tmp = tempFor(outFile);
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp))) {
                    o = v.openFile(contact, in, out);
                } catch (Exception e) {
                    Files.deleteIfExists(tmp);
                    throw e;
                }
                Files.move(tmp, outFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } else {
                byte[] data = in == null ? STDIN.get().readNBytes(Vault.MAX_MESSAGE * 2 + 1) : Files.readAllBytes(in);
                String head = new String(data, 0, Math.min(data.length, 64), StandardCharsets.US_ASCII).stripLeading();
                if (head.startsWith(ArmoredMessage.BEGIN)) {
                    o = v.openArmored(contact, new String(data, StandardCharsets.UTF_8));
                } else if (data.length == 0) {
                    throw new VaultException(VaultException.Kind.CORRUPT, "empty input: nothing to open");
                } else {
                    o = v.open(contact, data);
                }
                write(outFile, o.message(), out());
                Arrays.fill(o.message(), (byte) 0);
            }
            for (Opened.Warning w : o.warnings()) {
                err().println("WARNING: " + switch (w) {
                    case SKIP -> "an earlier message from this contact never arrived (pad was skipped)";
                    case LATE -> "this message arrived out of order";
                    case EXPIRED_BY_PEER -> "the contact retired this pad: no more messages can be sealed with it";
                });
            }
            return 0;
        }
    }
}
