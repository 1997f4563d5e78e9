package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.V2Header;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.FileFingerprint;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.StreamSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code seal-file} and {@code open-file}. Everything that can be checked is checked before the
 * device is asked (paths, contact, size, pad left, and for {@code --to-relay} the relay), so a
 * mistake costs neither pad nor a received file; see {@link OutputFile}.
 */
final class FileCommands {
    private FileCommands() {
    }

    /** Largest file whose sealed package fits the relay's default package limit (base64 + marker). */
    static long relayFileLimit() {
        return (long) Messenger.RELAY_PACKAGE_CHARS / 4 * 3 - Messenger.FILE_MARKER.length - V2Header.LENGTH
                - V2Header.TAG_LENGTH;
    }

    static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    @Command(name = "seal-file", mixinStandardHelpOptions = true,
            description = {"Seal a file for a contact (streamed through the device; approve it there).",
                    "The sealed file can go to the other person any way you like (USB stick, e-mail, a share);",
                    "only their device can open it, once. Small files can go through the relay: --to-relay."})
    static final class SealFile implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Contact (device contact name or relay user).")
        String contact;

        @Parameters(index = "1", description = "Input file.")
        Path in;

        @Parameters(index = "2", description = "Output (sealed) file; never the input itself.")
        Path outFile;

        @Option(names = "--format", description = "V2 (default), OTC_V1 or ARMOR.")
        String format;

        @Option(names = "--force", description = "Replace OUT if it exists.")
        boolean force;

        @Option(names = "--to-relay", description = "Also send the sealed file through the relay (if it fits its package limit).")
        boolean toRelay;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = root.device(h);
            try (OutputFile target = OutputFile.prepare(in, outFile, force)) {
                long size = Files.size(in);
                if (format != null && !List.of("V2", "OTC_V1", "ARMOR").contains(format)) {
                    out.println("seal-file: --format must be V2, OTC_V1 or ARMOR");
                    return 2;
                }
                if (size > RpcPaths.DEFAULT_MAX_FILE) {
                    out.println("seal-file: file too large: " + size + " bytes; the device seals files up to "
                            + mib(RpcPaths.DEFAULT_MAX_FILE) + ". Nothing was sealed.");
                    return 1;
                }
                if (format != null && !format.equals("V2") && size > RpcPaths.MAX_MESSAGE) {
                    out.println("seal-file: " + format + " holds at most " + RpcPaths.MAX_MESSAGE
                            + " bytes; use the default V2 format for larger files. Nothing was sealed.");
                    return 1;
                }
                ContactEntry c = resolveContact(device, contact);
                String problem = Messenger.padProblem(c, Messenger.padCost(format, size));
                if (problem != null) {
                    out.println("seal-file: " + problem + ". Nothing was sealed.");
                    return 1;
                }
                RelayApi relay = null;
                Messenger messenger = null;
                try {
                    if (toRelay) {
                        if (size > relayFileLimit()) {
                            out.println("seal-file: too large for the relay: " + size + " bytes; with --to-relay a file may"
                                    + " have up to " + relayFileLimit() + " bytes (the relay's package limit)."
                                    + " Leave out --to-relay and hand " + outFile + " over another way. Nothing was sealed.");
                            return 1;
                        }
                        relay = root.relay(h, device);
                        messenger = new Messenger(device, relay, h, out);
                        messenger.flushOutbox();
                        relay.users().stream().filter(u -> u.name().equals(c.remoteId())).findAny().orElseThrow(() ->
                                new IOException(c.remoteId() + " has no account on the relay yet (they must connect to it once,"
                                        + " e.g. 'otpi inbox')"));
                    }
                    // The device shows this fingerprint and seals nothing that does not match it:
                    // compare it with what the device's screen shows before approving.
                    String sha256;
                    try (var file = Files.newInputStream(in)) {
                        sha256 = FileFingerprint.sha256(file);
                    }
                    out.println("Fingerprint of " + in.getFileName() + ": " + FileFingerprint.shortForm(sha256)
                            + " (SHA-256). Approve on the device only if it shows the same.");
                    out.flush();
                    device.onWaiting(line -> {
                        out.println(line);
                        out.flush();
                    });
                    StreamSummary s;
                    try (Progress p = Progress.start("sealing", size, root.err())) {
                        s = device.sealFile(c.name(), in, target.temp(), format, sha256, p.tracker());
                    }
                    target.commit();
                    long index = indexOf(outFile);
                    out.println("Sealed " + in + " -> " + outFile + " (" + s.padUsed() + " pad bytes used"
                            + (index >= 0 ? " from pad index " + index : "") + ", " + s.remaining() + " left for "
                            + SafeText.escape(c.remoteId()) + ").");
                    if (toRelay) {
                        byte[] sealed = Files.readAllBytes(outFile);
                        messenger.keepAndDeliver(c.remoteId(), c.name(), Base64.getEncoder().encodeToString(sealed),
                                Messenger.FILE_MARKER, index, s.remaining(), false, "file " + in.getFileName(), null);
                    } else {
                        String me = h.get(ClientHome.USER) != null ? h.get(ClientHome.USER) : device.whoami().deviceId();
                        out.println("How it reaches " + SafeText.escape(c.remoteId()) + ": give them " + outFile
                                + " any way you like (USB stick, e-mail, a file share). Only their device can open it,"
                                + " once: they run  otpi open-file " + me + " " + outFile.getFileName() + " "
                                + in.getFileName()
                                + (size <= relayFileLimit() ? "\n  (It is small enough to go through the relay: add --to-relay.)" : ""));
                    }
                    out.flush();
                    return 0;
                } finally {
                    if (relay != null) {
                        relay.close();
                    }
                }
            } catch (OutputFile.PathProblem e) {
                out.println("seal-file: " + e.getMessage() + ". Nothing was sealed, no pad used.");
                return 2;
            } catch (IOException e) {
                return OtpiCli.failed(out, "seal-file", e);
            }
        }
    }

    @Command(name = "open-file", mixinStandardHelpOptions = true,
            description = "Open a sealed file from a contact (approve it on the device).")
    static final class OpenFile implements Callable<Integer> {
        @ParentCommand
        OtpiCli root;

        @Parameters(index = "0", description = "Contact (device contact name or relay user).")
        String contact;

        @Parameters(index = "1", description = "Sealed input file.")
        Path in;

        @Parameters(index = "2", description = "Output (plaintext) file; written only if the device authenticated it.")
        Path outFile;

        @Option(names = "--force", description = "Replace OUT if it exists.")
        boolean force;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = root.out();
            ClientHome h = root.openHome();
            DeviceClient device = root.device(h);
            String from = SafeText.escape(contact);
            try (OutputFile target = OutputFile.prepare(in, outFile, force)) {
                ContactEntry c = resolveContact(device, contact);
                device.onWaiting(line -> {
                    out.println(line);
                    out.flush();
                });
                StreamSummary s;
                try (Progress p = Progress.start("opening", Files.size(in), root.err())) {
                    s = device.openFile(c.name(), in, target.temp(), p.tracker());
                }
                target.commit();
                for (String w : s.warnings()) {
                    out.println(Messenger.warning(w, from));
                }
                out.println("Opened " + in + " -> " + outFile + " (" + Files.size(outFile) + " bytes, authenticated as from "
                        + SafeText.escape(c.remoteId()) + ").");
                out.flush();
                return 0;
            } catch (OutputFile.PathProblem e) {
                out.println("open-file: " + e.getMessage() + ". Nothing was opened.");
                return 2;
            } catch (DeviceClientException e) {
                for (String w : e.warnings()) {
                    out.println(Messenger.warning(w, from));
                }
                return OtpiCli.failed(out, "open-file", e);
            } catch (IOException e) {
                return OtpiCli.failed(out, "open-file", e);
            }
        }
    }

    static ContactEntry resolveContact(DeviceClient device, String nameOrUser) throws IOException {
        return OtpiCli.resolve(device.contacts(), nameOrUser);
    }

    /** The pad index in a sealed file's v2 header, or -1 (other formats; the index is public either way). */
    static long indexOf(Path sealed) {
        try (var s = Files.newInputStream(sealed)) {
            return V2Header.parse(s.readNBytes(V2Header.LENGTH)).index();
        } catch (IOException | MalformedPackageException e) {
            return -1;
        }
    }
}
