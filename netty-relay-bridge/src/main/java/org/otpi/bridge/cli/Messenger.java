package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.V2Header;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.ErrorCodes;
import org.otpi.protocol.rpc.OpenResponse;
import org.otpi.protocol.rpc.OutboxEntry;
import org.otpi.protocol.rpc.RpcPaths;
import org.otpi.protocol.rpc.SealResponse;
import org.otpi.protocol.rpc.StreamSummary;

/**
 * The chat logic shared by {@code send}, {@code inbox} and {@code chat}: seal on the device, send
 * through the relay; fetch from the relay, open on the device, store, show. Relay user names map
 * to device contacts by the contact's remote id (or its name).
 *
 * <p>Nothing lost (issue 12, item 1):
 * <ul>
 *   <li>Sending: checks (contact, relay account, size, pad left) come before the seal; a sealed
 *       package goes to the {@link Outbox} before the relay is tried, with one idempotency key,
 *       and is retried (same package, same key) until the relay accepts it.</li>
 *   <li>Receiving: the opened message is appended to the {@link History} (fsync'd) before the
 *       device is told it may forget its copy ({@code /open/confirm}) and before the relay is
 *       acknowledged; a message whose display fails stays listed as unshown and is shown next
 *       time. A repeat from the device (the answer was lost before) is not shown twice.</li>
 * </ul>
 *
 * <p>Thread-safety: {@link #send} and {@link #receive} are synchronized (backlog fetch, live push
 * and typing overlap; the device takes one request per client at a time); output lines go
 * through {@link #print}, which serializes on the writer.
 */
public final class Messenger {
    /** Marks a relay package that is a sealed file ({@code seal-file --to-relay}), not a message. */
    static final byte[] FILE_MARKER = "OTPiFILE1:".getBytes(StandardCharsets.US_ASCII);
    /** The relay's default package limit, in base64 characters (docs/relay.md). */
    static final int RELAY_PACKAGE_CHARS = 350_000;

    /** Where a line goes; false when it could not be shown (closed terminal, full disk, ...). */
    @FunctionalInterface
    public interface Printer {
        boolean print(String line);
    }

    private final DeviceClient device;
    private final RelayApi relay;
    private final ClientHome home;
    private final Map<String, String> contactByUser = new ConcurrentHashMap<>();
    /** References handled in this session: the relay may push or return a message twice, in any order. */
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    /** Relay accounts known to exist (accounts are never removed while we run). */
    private final Set<String> knownUsers = ConcurrentHashMap.newKeySet();
    private volatile Printer printer;
    private volatile int width = SafeText.terminalWidth();
    /** While a fetch runs, shown messages are collected here and marked shown in one save. */
    private List<String> shownBatch;

    public Messenger(DeviceClient device, RelayApi relay, ClientHome home, PrintWriter out) {
        this.device = device;
        this.relay = relay;
        this.home = home;
        this.printer = line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
                return !out.checkError();
            }
        };
        device.onWaiting(this::print);
    }

    /** Where asynchronous lines go (JLine's printAbove in an interactive chat). */
    public void printer(Printer p) {
        this.printer = p;
    }

    /** Prints one line of the client's own; false if it could not be shown. */
    public boolean print(String line) {
        try {
            return printer.print(line);
        } catch (RuntimeException e) {
            return false;
        }
    }

    // --- contacts ---------------------------------------------------------------------------

    /** The device contact for a relay user, with its pad counts now. */
    ContactEntry contactEntry(String user) throws IOException {
        List<ContactEntry> contacts = device.contacts();
        for (ContactEntry e : contacts) {
            if (e.remoteId().equals(user)) {
                contactByUser.put(user, e.name());
                return e;
            }
        }
        for (ContactEntry e : contacts) {
            if (e.name().equals(user)) {
                contactByUser.put(user, e.name());
                return e;
            }
        }
        throw new IOException(noPad(user, contacts));
    }

    static String noPad(String user, List<ContactEntry> contacts) {
        return "no pad for '" + user + "' on the device"
                + (contacts.isEmpty() ? " (it has no pads yet)"
                        : " (pads: " + String.join(", ", contacts.stream().map(ContactEntry::remoteId).toList()) + ")")
                + ": exchange a pad with " + user + " on the device first";
    }

    /** The device contact for a relay user (cached). */
    String contactFor(String user) throws IOException {
        String c = contactByUser.get(user);
        return c != null ? c : contactEntry(user).name();
    }

    /** Pad bytes a seal of {@code length} bytes costs (V2 and armor: length + 32; OTC v1: 2 length + 48). */
    static long padCost(String format, long length) {
        return "OTC_V1".equals(format) ? 2 * length + 48 : length + 32;
    }

    /** Null if {@code contact} has {@code need} pad bytes to send; else what to tell the person. */
    static String padProblem(ContactEntry contact, long need) {
        if (contact.expired()) {
            return "the pad with " + contact.remoteId() + " is retired (expired): exchange a new pad on the device";
        }
        if (contact.sendRemaining() < need) {
            return "not enough pad left for " + contact.remoteId() + ": this needs " + need + " pad bytes, "
                    + contact.sendRemaining() + " are left";
        }
        return null;
    }

    // --- sending ----------------------------------------------------------------------------

    /**
     * Seals {@code text} for {@code user} (approve on the device) and hands it to the relay.
     * Synchronized with {@link #receive}: the device allows one pending approval per client, so this
     * client never races itself into a "busy" refusal.
     */
    public synchronized boolean send(String user, String text) {
        flushOutbox();
        byte[] message = text.getBytes(StandardCharsets.UTF_8);
        if (message.length > RpcPaths.MAX_MESSAGE) {
            print("Not sent to " + user + ": message too large: " + message.length + " bytes; the limit is "
                    + RpcPaths.MAX_MESSAGE + " bytes a message (send larger things with seal-file)");
            return false;
        }
        return sealAndSend(user, message);
    }

    /** Checks, seals {@code payload} for {@code user} and sends it. */
    private boolean sealAndSend(String user, byte[] payload) {
        ContactEntry contact;
        try {
            contact = contactEntry(user);
            requireRelayAccount(user);
            String problem = padProblem(contact, padCost(null, payload.length));
            if (problem != null) {
                print("Not sent to " + user + ": " + problem);
                return false;
            }
        } catch (IOException e) {
            print("Not sent to " + user + ": " + e.getMessage() + "; nothing was sealed, no pad used");
            return false;
        }
        SealResponse sealed;
        try {
            sealed = device.seal(contact.name(), payload, null);
        } catch (DeviceClientException e) {
            print("Not sent to " + user + ": " + explainSeal(e, contact.name(), payload.length));
            return false;
        } catch (IOException e) {
            print("Not sent to " + user + ": " + e.getMessage());
            return false;
        }
        return keepAndDeliver(user, contact.name(), sealed.packageData(), null, sealed.index(),
                sealed.sendRemaining(), sealed.lowPad(), "message", new String(payload, StandardCharsets.UTF_8));
    }

    /**
     * After a seal: the package goes to the outbox first (it cost pad: it must not be lost), then
     * into the history (for messages), then to the relay.
     */
    boolean keepAndDeliver(String user, String contact, String packageB64, byte[] relayPrefix, long index,
                           long sendRemaining, boolean lowPad, String what, String text) {
        String contents = packageB64;
        if (relayPrefix != null) {
            byte[] pkg = Base64.getDecoder().decode(packageB64);
            byte[] all = Arrays.copyOf(relayPrefix, relayPrefix.length + pkg.length);
            System.arraycopy(pkg, 0, all, relayPrefix.length, pkg.length);
            contents = Base64.getEncoder().encodeToString(all);
        }
        long now = System.currentTimeMillis();
        Outbox.Item item = new Outbox.Item(Outbox.newKey(), user, contact, contents, index, now, what);
        try {
            home.outbox().put(item);
        } catch (IOException e) {
            print("WARNING: could not keep the sealed " + what + " in " + home.dir().resolve("outbox") + " (" + e.getMessage()
                    + "); sending it now, once");
        }
        if (text != null) {
            try {
                home.history().append(new History.Entry(History.id(History.OUT, index, contact), History.OUT, contact, user,
                        index, now, text, null, List.of()));
            } catch (IOException e) {
                print("WARNING: could not write the history (" + e.getMessage() + ")");
            }
        }
        try {
            long ref = relay.send(user, contents, item.key());
            home.outbox().remove(item);
            print(capital(what) + " sent to " + user + " (pad " + index + ", ref " + ref + "); pad left for " + user + ": "
                    + sendRemaining + " bytes");
            if (lowPad) {
                print("WARNING: pad for " + user + " is running low");
            }
            return true;
        } catch (IOException e) {
            print("Sealed for " + user + " but not delivered yet: " + relayProblem(e, user) + ". It waits, sealed, in "
                    + home.dir().resolve("outbox") + " and goes out with your next send, inbox or chat (no more pad is used).");
            return false;
        }
    }

    private static String capital(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private void requireRelayAccount(String user) throws IOException {
        if (knownUsers.contains(user)) {
            return;
        }
        // Check before sealing: a package the relay refuses would burn pad for nothing.
        if (relay.exists(user)) {
            knownUsers.add(user);
        } else {
            throw new IOException(user + " has no account on the relay yet (they must connect to it once, e.g. 'otpi inbox')");
        }
    }

    static String relayProblem(IOException e, String user) {
        if (e instanceof RelayRefusedException r) {
            return switch (r.status()) {
                case 404 -> user + " has no account on the relay (they must connect to it once, e.g. 'otpi inbox')";
                case 413 -> "too large for the relay (its package limit is about 256 KiB by default)";
                case 429 -> "the relay asks to slow down (rate limit or " + user + "'s queue is full)";
                case 401 -> "the relay does not accept this laptop's relay token";
                default -> e.getMessage();
            };
        }
        return e.getMessage();
    }

    /** The device's answer to a seal, with the numbers the person needs to act on it. */
    String explainSeal(DeviceClientException e, String contact, long length) {
        if (ErrorCodes.PAD_EXHAUSTED.equals(e.code())) {
            try {
                for (ContactEntry c : device.contacts()) {
                    if (c.name().equals(contact)) {
                        String p = padProblem(c, padCost(null, length));
                        if (p != null) {
                            return p;
                        }
                    }
                }
            } catch (IOException ignored) {
                // fall back to the plain text
            }
        }
        if (ErrorCodes.TOO_LARGE.equals(e.code())) {
            return "message too large: " + length + " bytes; the limit is " + RpcPaths.MAX_MESSAGE + " bytes a message";
        }
        if (ErrorCodes.UNKNOWN_CONTACT.equals(e.code())) {
            return "no pad for '" + contact + "' on the device";
        }
        return e.getMessage();
    }

    /**
     * Sends what the outbox holds (oldest first), same package and key as the first try, then
     * carries what was written on the device's screen ({@link #carryDeviceOutbox}).
     */
    public synchronized int flushOutbox() {
        int sent = flushLocalOutbox();
        return sent < 0 ? 0 : sent + carryDeviceOutbox(false);
    }

    /**
     * Carries the packages sealed on the device from text written on its screen (DESIGN section 8,
     * "write on the device") through the relay: ciphertext only, the text never reaches this
     * laptop. Each goes out under an idempotency key derived from the package itself, so a crash
     * between the relay taking it and the device hearing so sends it again as the same message;
     * the device forgets a package only once the relay has it. {@code loud}: say when the device
     * cannot be asked (an explicit {@code otpi outbox}); otherwise such a pickup is silent.
     * Returns how many were carried.
     */
    public synchronized int carryDeviceOutbox(boolean loud) {
        List<OutboxEntry> waiting;
        try {
            waiting = device.outbox();
        } catch (IOException e) {
            if (loud) {
                print("Cannot ask the device for messages written on it: " + e.getMessage());
            }
            return 0;
        }
        int carried = 0;
        for (OutboxEntry e : waiting) {
            String to = e.to();
            try {
                long ref = relay.send(to, e.packageData(), deviceKey(e));
                String id = History.id(History.OUT, e.index(), e.contact());
                if (home.history().find(id).isEmpty()) {
                    home.history().append(new History.Entry(id, History.OUT, e.contact(), to, e.index(),
                            System.currentTimeMillis(), null, null, List.of(), true));
                }
                device.outboxAck(e.id());
                print("Carried the message written on the device for " + SafeText.escape(to) + " (pad " + e.index()
                        + ", ref " + ref + "): its text never left the device.");
                carried++;
            } catch (RelayUnreachableException x) {
                print((waiting.size() - carried) + " message(s) written on the device wait there: " + x.getMessage());
                return carried;
            } catch (IOException x) {
                print("The message written on the device for " + SafeText.escape(to) + " waits there: "
                        + (x instanceof RelayRefusedException ? relayProblem(x, to) : x.getMessage()));
            }
        }
        return carried;
    }

    /** The relay idempotency key of a package written on the device: the same package, the same key. */
    static String deviceKey(OutboxEntry e) {
        java.security.MessageDigest d = org.otpi.protocol.rpc.FileFingerprint.digest();
        d.update("otpi device outbox\0".getBytes(StandardCharsets.US_ASCII));
        d.update(e.id().getBytes(StandardCharsets.US_ASCII));
        d.update((byte) 0);
        d.update(e.packageData().getBytes(StandardCharsets.US_ASCII));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(d.digest(), 16));
    }

    /** The laptop's own outbox; -1 when the relay cannot be reached. */
    private int flushLocalOutbox() {
        List<Outbox.Item> items;
        try {
            items = home.outbox().items();
        } catch (IOException e) {
            print("WARNING: cannot read the outbox: " + e.getMessage());
            return 0;
        }
        int sent = 0;
        for (Outbox.Item item : items) {
            try {
                long ref = relay.send(item.to(), item.packageB64(), item.key());
                home.outbox().remove(item);
                print("Delivered the " + item.what() + " for " + item.to() + " sealed earlier (pad " + item.index()
                        + ", ref " + ref + ").");
                sent++;
            } catch (RelayUnreachableException e) {
                print((items.size() - sent) + " sealed message(s) still wait in the outbox: " + e.getMessage());
                return -1;
            } catch (IOException e) {
                print("The " + item.what() + " for " + item.to() + " sealed earlier is still not delivered: "
                        + relayProblem(e, item.to()) + " (it stays in the outbox)");
            }
        }
        return sent;
    }

    // --- receiving --------------------------------------------------------------------------

    /**
     * Everything pending first (device confirms, messages not shown last time), then everything
     * after the last reference number seen plus the messages kept for another attempt: opens,
     * stores and shows them. Returns how many new messages were shown.
     */
    public int fetchAndShow() throws IOException {
        flushConfirms();
        showUnshown();
        java.util.SortedSet<Long> retry = home.retryRefs();
        long from = retry.isEmpty() ? home.lastRef() : Math.min(home.lastRef(), retry.first() - 1);
        List<RelayMessage> messages = relay.fetch(from);
        int n = 0;
        synchronized (this) {
            shownBatch = new java.util.ArrayList<>();
        }
        try {
            for (RelayMessage m : messages) {
                if (receive(m)) {
                    n++;
                }
            }
        } finally {
            List<String> batch;
            synchronized (this) {
                batch = shownBatch;
                shownBatch = null;
            }
            home.shown(batch);
        }
        return n;
    }

    /**
     * Opens one relayed message on the device, stores it, confirms it and prints it; returns false
     * if it was already seen (by reference number or as a device repeat already shown) or could
     * not be opened. Warnings from the device are always shown.
     */
    public synchronized boolean receive(RelayMessage m) {
        // Seen in this session: a duplicate delivery. (References before the remembered one are
        // never fetched; if a relay pushes one anyway, the device judges it: a replay is flagged.)
        if (!home.retryRefs().contains(m.ref()) && !seen.add(m.ref())) {
            return false;
        }
        byte[] pkg;
        try {
            pkg = Base64.getDecoder().decode(m.packageB64());
        } catch (IllegalArgumentException e) {
            print("WARNING: the relay delivered a malformed package claiming to be from " + SafeText.escape(m.from())
                    + " (ref " + m.ref() + "): dropped");
            settle(m, true);
            return false;
        }
        boolean shown = false;
        boolean definitive = true;
        String from = SafeText.escape(m.from());
        try {
            String contact = contactFor(m.from());
            if (startsWith(pkg, FILE_MARKER)) {
                shown = receiveFile(m, contact, Arrays.copyOfRange(pkg, FILE_MARKER.length, pkg.length));
            } else {
                shown = receiveMessage(m, contact, pkg);
            }
            return shown; // settled inside: stored, confirmed, acknowledged
        } catch (DeviceClientException e) {
            for (String w : e.warnings()) {
                print(warning(w, from));
            }
            print("Could not open the message from " + from + " (ref " + m.ref() + "): " + e.getMessage());
            definitive = DEFINITIVE.contains(e.code());
        } catch (IOException e) {
            print("Could not open the message from " + from + " (ref " + m.ref() + "): " + e.getMessage());
            definitive = false;
        }
        settle(m, definitive);
        return shown;
    }

    /** Acknowledges a settled message, or keeps it on the relay for another attempt. */
    private void settle(RelayMessage m, boolean definitive) {
        try {
            if (definitive) {
                home.received(m.ref(), null);
                relay.ack(m.ref());
                return;
            }
            home.advanceRef(m.ref());
            home.markRetry(m.ref());
            print("(message ref " + m.ref() + " kept on the relay; it is tried again on the next fetch)");
        } catch (IOException e) {
            print("(could not acknowledge ref " + m.ref() + " to the relay: " + e.getMessage() + ")");
        }
    }

    private boolean receiveMessage(RelayMessage m, String contact, byte[] pkg) throws IOException {
        OpenResponse o = device.open(contact, pkg);
        if (o.shownOnDevice()) {
            return receiveOnDevice(m, contact, o);
        }
        String text = new String(Base64.getDecoder().decode(o.message()), StandardCharsets.UTF_8);
        String id = History.id(History.IN, o.index(), contact);
        History.Entry entry = o.repeat() ? home.history().find(id).orElse(null) : null;
        boolean show;
        if (entry == null) {
            // Stored (fsync'd) before the device may forget it and before the relay is acked.
            try {
                entry = home.history().append(new History.Entry(id, History.IN, contact, m.from(), o.index(),
                        System.currentTimeMillis(), text, null, o.warnings()));
                home.received(m.ref(), id);
            } catch (IOException e) {
                throw new IOException("could not store it in " + home.history().file() + " (" + e.getMessage()
                        + "); it stays on the relay and on the device");
            }
            show = true;
        } else {
            show = home.list(ClientHome.UNSHOWN).contains(id); // shown before: not again
            home.received(m.ref(), null);
        }
        confirm(contact, o.index());
        return acknowledgeAndShow(m, entry, show);
    }

    /** The relay may forget a stored message; it is shown (with its warnings) if not shown before. */
    private boolean acknowledgeAndShow(RelayMessage m, History.Entry entry, boolean show) throws IOException {
        ack(m.ref());
        if (!show) {
            return false;
        }
        for (String w : entry.warnings()) {
            print(warning(w, SafeText.escape(m.from())));
        }
        return display(entry);
    }

    /**
     * The device kept the message for its own screen (the contact's setting, or the person's
     * "read here" there): this laptop records that it came, never its text, and shows where to
     * read it. Nothing to confirm: the device keeps it in its vault.
     */
    private boolean receiveOnDevice(RelayMessage m, String contact, OpenResponse o) throws IOException {
        String id = History.id(History.IN, o.index(), contact);
        History.Entry entry = home.history().find(id).orElse(null);
        boolean show;
        if (entry == null) {
            entry = home.history().append(new History.Entry(id, History.IN, contact, m.from(), o.index(),
                    System.currentTimeMillis(), null, null, o.warnings(), true));
            home.received(m.ref(), id);
            show = true;
        } else {
            show = home.list(ClientHome.UNSHOWN).contains(id);
            home.received(m.ref(), null);
        }
        return acknowledgeAndShow(m, entry, show);
    }

    /** A sealed file that came through the relay: opened (streamed) into HOME/received/. */
    private boolean receiveFile(RelayMessage m, String contact, byte[] sealed) throws IOException {
        long index = -1;
        try {
            index = V2Header.parse(sealed).index();
        } catch (MalformedPackageException notV2) {
            // the device decides; the index is only for the person's information
        }
        Path dir = PrivateFiles.dir(home.dir().resolve("received"));
        String base = m.from().replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + (index >= 0 ? "pad" + index : "ref" + m.ref());
        Path tmp = Files.createTempFile(dir, ".otpi-", ".part");
        try {
            StreamSummary s = device.openFile(contact, sealed, tmp);
            Path target = dir.resolve(base);
            for (int i = 1; Files.exists(target); i++) {
                target = dir.resolve(base + "." + i);
            }
            Files.move(tmp, target);
            String id = History.id(History.IN, index >= 0 ? index : -m.ref(), contact);
            History.Entry entry = home.history().append(new History.Entry(id, History.IN, contact, m.from(), index,
                    System.currentTimeMillis(), null, target.toString(), s.warnings()));
            home.received(m.ref(), id);
            ack(m.ref());
            for (String w : s.warnings()) {
                print(warning(w, SafeText.escape(m.from())));
            }
            return display(entry);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private void ack(long ref) {
        try {
            relay.ack(ref);
        } catch (IOException e) {
            print("(could not acknowledge ref " + ref + " to the relay: " + e.getMessage() + ")");
        }
    }

    /** Tells the device the message is stored; remembered for later if the device is not there. */
    private void confirm(String contact, long index) {
        try {
            device.confirm(contact, index);
        } catch (DeviceClientException e) {
            if (!ErrorCodes.UNKNOWN_MESSAGE.equals(e.code())) {
                rememberConfirm(contact, index);
            }
        } catch (IOException e) {
            rememberConfirm(contact, index);
        }
    }

    private void rememberConfirm(String contact, long index) {
        try {
            home.addTo(ClientHome.CONFIRM, index + "/" + contact);
        } catch (IOException ignored) {
            // the device keeps its copy a while longer: nothing lost
        }
    }

    /** Confirms what could not be confirmed before (the message is in the history). */
    void flushConfirms() {
        for (String c : home.list(ClientHome.CONFIRM)) {
            int slash = c.indexOf('/');
            try {
                device.confirm(c.substring(slash + 1), Long.parseLong(c.substring(0, slash)));
                home.removeFrom(ClientHome.CONFIRM, c);
            } catch (DeviceClientException e) {
                if (ErrorCodes.UNKNOWN_MESSAGE.equals(e.code()) || ErrorCodes.UNKNOWN_CONTACT.equals(e.code())) {
                    try {
                        home.removeFrom(ClientHome.CONFIRM, c);
                    } catch (IOException ignored) {
                        // tried again next time
                    }
                }
            } catch (IOException | RuntimeException e) {
                return; // device away: next time
            }
        }
    }

    /** Shows the received messages that were stored but could not be shown last time. */
    void showUnshown() throws IOException {
        for (String id : home.list(ClientHome.UNSHOWN)) {
            var entry = home.history().find(id);
            if (entry.isEmpty()) {
                home.removeFrom(ClientHome.UNSHOWN, id);
                continue;
            }
            print("(kept from before: this message could not be shown then)");
            display(entry.get());
        }
    }

    /** Prints a stored message; on success it is no longer "unshown". */
    boolean display(History.Entry e) {
        boolean ok = true;
        for (String line : render(e, width)) {
            ok &= print(line);
        }
        if (ok && History.IN.equals(e.dir())) {
            synchronized (this) {
                if (shownBatch != null) {
                    shownBatch.add(e.id());
                    return true;
                }
            }
            try {
                home.shown(List.of(e.id()));
            } catch (IOException ignored) {
                // shown once more next time: better than lost
            }
        }
        return ok;
    }

    /** The lines for one history entry: in from the sender, out as "you -> user". */
    static List<String> render(History.Entry e, int width) {
        String who = History.IN.equals(e.dir()) ? e.peer() : "you -> " + e.peer();
        String header = SafeText.header(Instant.ofEpochMilli(e.time()), e.index(), who);
        if (e.onDevice()) {
            return List.of(header + (History.IN.equals(e.dir())
                    ? " (read on the device only: its text is on the device's screen, never on this laptop)"
                    : " (written on the device: its text never reached this laptop)"));
        }
        if (e.file() != null) {
            long size = -1;
            try {
                size = Files.size(Path.of(e.file()));
            } catch (IOException gone) {
                // moved or deleted since
            }
            return List.of(header + " a file" + (size >= 0 ? " (" + size + " bytes)" : "") + ", saved as "
                    + SafeText.escape(e.file()));
        }
        return SafeText.render(header, e.text(), width);
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(Arrays.copyOf(b, prefix.length), prefix);
    }

    /** Device answers that settle a package for good; anything else is retried on the next fetch. */
    private static final Set<String> DEFINITIVE = Set.of(ErrorCodes.REPLAY, ErrorCodes.REJECTED,
            ErrorCodes.UNKNOWN_CONTACT, ErrorCodes.BAD_REQUEST, ErrorCodes.TOO_LARGE);

    static String warning(String code, String from) {
        return switch (code) {
            case "REPLAY" -> "WARNING: possible replay of an old message from " + from + ". An attacker may be injecting packages.";
            case "SKIP" -> "WARNING: messages from " + from + " were skipped (dropped or delayed by the relay).";
            case "LATE" -> "WARNING: a late message from " + from + " arrived out of order.";
            case "EXPIRED_BY_PEER" -> "WARNING: " + from + " marked your shared pad as expired. It is now retired.";
            case "FORGED" -> "WARNING: a message claiming to be from " + from + " failed authentication (forged or corrupted).";
            default -> "WARNING from the device: " + SafeText.escape(code);
        };
    }

    /** For tests: the width to wrap messages at. */
    void width(int w) {
        this.width = w;
    }
}
