package org.otpi.appliance.device;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.otpi.appliance.rpc.ContactView;
import org.otpi.appliance.rpc.DeviceException;
import org.otpi.appliance.rpc.DeviceService;
import org.otpi.appliance.rpc.Format;
import org.otpi.appliance.rpc.OpenResult;
import org.otpi.appliance.rpc.SealResult;
import org.otpi.appliance.rpc.StreamResult;
import org.otpi.appliance.rpc.Warning;
import org.otpi.appliance.vault.Opened;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.Sealed;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;

/**
 * The device RPC's view of the vault. Called only after a person approved the use. Sealed
 * files are opened in two passes over a spooled copy, so no plaintext is written before the
 * tag has been checked.
 */
public final class VaultDeviceService implements DeviceService {
    private final Device device;
    private final Path spool;

    public VaultDeviceService(Device device) throws IOException {
        this.device = device;
        this.spool = Files.createDirectories(device.state().resolve("spool"));
        try {
            Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException ignored) {
            // not POSIX: nothing to restrict
        }
    }

    @Override
    public String deviceId() {
        return device.deviceId();
    }

    @Override
    public boolean unlocked() {
        return device.unlocked();
    }

    @Override
    public List<ContactView> contacts() throws DeviceException {
        try {
            List<ContactView> out = new ArrayList<>();
            for (PadStats s : device.vault().contacts()) {
                out.add(new ContactView(s.contact(), s.remoteId(), s.sendRemaining(), s.receiveRemaining(), s.low(),
                        s.expired(), s.readOnDevice()));
            }
            return out;
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public long sealCost(String contact, long messageLength, Format format) throws DeviceException {
        try {
            if (messageLength < 0 || messageLength > (format == Format.V2 ? 0xFFFF_FFFFL : Vault.MAX_MESSAGE)) {
                throw new DeviceException(DeviceException.Kind.TOO_LARGE, "message too large");
            }
            long cost = messageLength > Vault.MAX_MESSAGE ? messageLength + 32
                    : Vault.sealCost((int) messageLength, options(format));
            PadStats s = device.vault().stats(contact);
            if (s.expired()) {
                throw new DeviceException(DeviceException.Kind.PAD_EXHAUSTED, "pad retired");
            }
            if (cost > s.sendRemaining()) {
                throw new DeviceException(DeviceException.Kind.PAD_EXHAUSTED, "not enough pad left");
            }
            return cost;
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public SealResult seal(String contact, byte[] message, Format format) throws DeviceException {
        try {
            Sealed s = device.vault().seal(contact, message, options(format));
            device.fire("contacts");
            return new SealResult(s.packageBytes(), s.padCost(), s.sendRemaining(), s.low(), s.index());
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public long openCost(byte[] packageBytes) {
        return PackageCost.ofPackage(packageBytes);
    }

    @Override
    public long openFileCostBound(long length) {
        return PackageCost.fileOpenBound(length);
    }

    @Override
    public OpenResult open(String contact, byte[] packageBytes) throws DeviceException {
        try {
            Vault v = device.vault();
            // The pad stays on the medium until the client confirms it stored the message
            // (/open/confirm): a client that crashed or lost the answer opens the same package
            // again and gets it back as a repeat, not as a replay.
            Opened o = isArmored(packageBytes)
                    ? v.openArmored(contact, new String(packageBytes, java.nio.charset.StandardCharsets.UTF_8), true)
                    : v.open(contact, packageBytes, true);
            device.fire("contacts");
            return new OpenResult(o.message(), warnings(o), v.stats(contact).receiveRemaining(), o.index(), o.repeat());
        } catch (VaultException e) {
            throw map(e);
        }
    }

    /**
     * Keeps the message for the screen ({@link org.otpi.appliance.vault.OnDevice#open}, expiring after the person's keep
     * setting) and returns no text. A retry of the same package after a lost answer finds its pad
     * destroyed (a replay to the vault); while the device still keeps a message from that contact
     * at the package's index, the answer is the same "shown on the device", marked as a repeat.
     */
    @Override
    public OpenResult openOnDevice(String contact, byte[] packageBytes) throws DeviceException {
        try {
            Vault v = device.vault();
            long keep = device.keepOnDevice().toMillis();
            org.otpi.appliance.vault.DeviceMessage m;
            try {
                m = v.onDevice().open(contact, packageBytes, keep == 0 ? 0 : System.currentTimeMillis() + keep);
            } catch (VaultException e) {
                if (e.kind() == VaultException.Kind.REPLAY) {
                    long index = indexOf(packageBytes);
                    for (org.otpi.appliance.vault.DeviceMessage kept : v.onDevice().messages()) {
                        if (kept.contact().equals(contact) && kept.index() == index && index >= 0) {
                            return new OpenResult(new byte[0], Set.of(), v.stats(contact).receiveRemaining(), index, true,
                                    true);
                        }
                    }
                }
                throw e;
            }
            device.fire("contacts");
            device.fire("inbox");
            return new OpenResult(new byte[0], Set.of(), v.stats(contact).receiveRemaining(), m.index(), false, true);
        } catch (VaultException e) {
            throw map(e);
        }
    }

    /** The index a package's header names (v2, armored or v1), or -1. */
    private static long indexOf(byte[] pkg) {
        try {
            if (isArmored(pkg)) {
                return org.otpi.protocol.format.ArmoredMessage.parse(
                        new String(pkg, java.nio.charset.StandardCharsets.UTF_8)).header().index();
            }
            if (org.otpi.protocol.format.V2Header.looksLikeV2(pkg)) {
                return org.otpi.protocol.format.V2Header.parse(pkg).index();
            }
            return org.otpi.protocol.format.OtcV1Package.parse(pkg).index();
        } catch (org.otpi.protocol.format.MalformedPackageException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public List<org.otpi.appliance.rpc.OutgoingView> outgoing() throws DeviceException {
        try {
            List<org.otpi.appliance.rpc.OutgoingView> out = new ArrayList<>();
            for (org.otpi.appliance.vault.OutgoingPackage p : device.vault().onDevice().outgoing()) {
                out.add(new org.otpi.appliance.rpc.OutgoingView(p.id(), p.contact(), p.remoteId() == null ? p.contact()
                        : p.remoteId(), p.packageBytes(), p.index(), p.createdAt()));
            }
            return out;
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public boolean outgoingSent(String id) throws DeviceException {
        try {
            Vault v = device.vault();
            // Only an outgoing package: the vault's item ids are one namespace, and a laptop must
            // never be able to destroy a message kept for the screen.
            if (v.onDevice().outgoing().stream().noneMatch(p -> p.id().equals(id))) {
                return false;
            }
            boolean gone = v.onDevice().outgoingSent(id);
            if (gone) {
                device.fire("inbox");
            }
            return gone;
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public void confirmOpened(String contact, long index) throws DeviceException {
        try {
            device.vault().confirmOpened(contact, index);
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public StreamResult sealFile(String contact, InputStream in, long length, Format format, OutputStream out)
            throws DeviceException, IOException {
        try {
            Vault v = device.vault();
            if (format != Format.V2) {
                if (length > Vault.MAX_MESSAGE) {
                    throw new DeviceException(DeviceException.Kind.TOO_LARGE, "use the v2 format for large files");
                }
                byte[] m = in.readNBytes((int) length);
                if (m.length != length) {
                    throw new DeviceException(DeviceException.Kind.CORRUPT, "input ended early");
                }
                Sealed s = v.seal(contact, m, options(format));
                java.util.Arrays.fill(m, (byte) 0);
                out.write(s.packageBytes());
                device.fire("contacts");
                return new StreamResult(s.padCost(), s.sendRemaining(), Set.of());
            }
            Sealed s = v.sealFile(contact, in, length, out);
            device.fire("contacts");
            return new StreamResult(s.padCost(), s.sendRemaining(), Set.of());
        } catch (VaultException e) {
            throw map(e);
        }
    }

    @Override
    public StreamResult openFile(String contact, InputStream in, long maxPadCost, OutputStream out)
            throws DeviceException, IOException {
        Path tmp = Files.createTempFile(spool, "open-", ".otpi");
        try {
            long size;
            try (OutputStream o = Files.newOutputStream(tmp)) {
                size = in.transferTo(o);
                if (size > 0xFFFF_FFFFL + 58) {
                    throw new DeviceException(DeviceException.Kind.TOO_LARGE, "file too large");
                }
            }
            Vault v = device.vault();
            Opened o;
            long cost;
            byte[] head = readHead(tmp);
            if (isArmored(head)) {
                byte[] all = Files.readAllBytes(tmp);
                cost = approvedCost(PackageCost.ofPackage(all), maxPadCost);
                o = v.openArmored(contact, new String(all, java.nio.charset.StandardCharsets.UTF_8), true);
                out.write(o.message());
            } else if (org.otpi.protocol.format.V2Header.looksLikeV2(head)) {
                cost = approvedCost(PackageCost.ofPackage(head), maxPadCost);
                o = v.openFile(contact, tmp, out, true);
                if (o.message() != null) {
                    out.write(o.message());
                }
            } else {
                if (size > PackageCost.V1_MAX_PACKAGE) {
                    throw new DeviceException(DeviceException.Kind.TOO_LARGE, "an OTC v1 package this large is refused");
                }
                byte[] all = Files.readAllBytes(tmp);
                cost = approvedCost(PackageCost.ofPackage(all), maxPadCost);
                o = v.open(contact, all, true);
                out.write(o.message());
            }
            // Written out whole: the stream's client has it. A stream cut before this point
            // leaves the pad kept, and the same file sent again comes back as a repeat.
            out.flush();
            v.confirmOpened(contact, o.index());
            device.fire("contacts");
            return new StreamResult(cost, v.stats(contact).receiveRemaining(), warnings(o));
        } catch (VaultException e) {
            throw map(e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The file's pad cost, if within what was approved; else CORRUPT before any pad is touched. */
    private static long approvedCost(long cost, long approved) throws DeviceException {
        if (cost > approved) {
            org.tinylog.Logger.tag("security").warn("sealed file refused: it would use {} pad bytes, {} were approved",
                    cost, approved);
            throw new DeviceException(DeviceException.Kind.CORRUPT, "the file costs more pad than was approved");
        }
        return cost;
    }

    private static byte[] readHead(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(64);
        }
    }

    private static boolean isArmored(byte[] b) {
        return PackageCost.looksArmored(b);
    }

    private static SealOptions options(Format f) {
        return switch (f) {
            case V2 -> SealOptions.V2;
            case OTC_V1 -> SealOptions.OTC_V1;
            case ARMOR -> SealOptions.ARMOR;
        };
    }

    private static Set<Warning> warnings(Opened o) {
        Set<Warning> w = EnumSet.noneOf(Warning.class);
        for (Opened.Warning x : o.warnings()) {
            w.add(switch (x) {
                case SKIP -> Warning.SKIP;
                case LATE -> Warning.LATE;
                case EXPIRED_BY_PEER -> Warning.EXPIRED_BY_PEER;
            });
        }
        return w;
    }

    static DeviceException map(VaultException e) {
        DeviceException.Kind k = switch (e.kind()) {
            case UNKNOWN_CONTACT, NO_PAD, CONTACT_EXISTS -> DeviceException.Kind.UNKNOWN_CONTACT;
            case PAD_EXHAUSTED, PAD_EXPIRED -> DeviceException.Kind.PAD_EXHAUSTED;
            case RECEIVE_ONLY -> DeviceException.Kind.RECEIVE_ONLY;
            case UNKNOWN_MESSAGE -> DeviceException.Kind.UNKNOWN_MESSAGE;
            case LOCKED, WRONG_PIN, RATE_LIMITED, WIPED, NO_VAULT -> DeviceException.Kind.LOCKED;
            case CORRUPT, WRONG_PAD, BAD_INPUT -> DeviceException.Kind.CORRUPT;
            case FORGED -> DeviceException.Kind.FORGED;
            case REPLAY -> DeviceException.Kind.REPLAY;
            case TOO_LARGE -> DeviceException.Kind.TOO_LARGE;
            case IO -> DeviceException.Kind.INTERNAL;
        };
        return new DeviceException(k, e.getMessage(), e);
    }

    @Override
    public void close() {
        device.close();
    }

}
