package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.otpi.protocol.rpc.ContactEntry;
import org.otpi.protocol.rpc.OpenResponse;
import org.otpi.protocol.rpc.SealResponse;

/**
 * The chat logic shared by {@code send}, {@code inbox} and {@code chat}: seal on the device, send
 * through the relay; fetch from the relay, open on the device, print with the device's warnings.
 * Relay user names map to device contacts by the contact's remote id (or its name).
 *
 * <p>Thread-safety: {@link #send} and {@link #receive} are synchronized (backlog fetch, live push
 * and typing overlap; the device takes one request per client at a time); output lines go through
 * {@link #print}, which serializes on the writer.
 */
public final class Messenger {
    private final DeviceClient device;
    private final RelayApi relay;
    private final ClientHome home;
    private final PrintWriter out;
    private final Map<String, String> contactByUser = new ConcurrentHashMap<>();
    /** References handled in this session: the relay may push or return a message twice, in any order. */
    private final java.util.Set<Long> seen = ConcurrentHashMap.newKeySet();
    /** Relay accounts known to exist (accounts are never removed while we run). */
    private final java.util.Set<String> knownUsers = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.Consumer<String> printer;

    public Messenger(DeviceClient device, RelayApi relay, ClientHome home, PrintWriter out) {
        this.device = device;
        this.relay = relay;
        this.home = home;
        this.out = out;
        this.printer = line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        };
    }

    /** Where asynchronous lines go (JLine's printAbove in an interactive chat). */
    public void printer(java.util.function.Consumer<String> p) {
        this.printer = p;
    }

    public void print(String line) {
        printer.accept(line);
    }

    /** The device contact for a relay user. */
    String contactFor(String user) throws IOException {
        String c = contactByUser.get(user);
        if (c != null) {
            return c;
        }
        List<ContactEntry> contacts = device.contacts();
        for (ContactEntry e : contacts) {
            if (e.remoteId().equals(user)) {
                contactByUser.put(user, e.name());
                return e.name();
            }
        }
        for (ContactEntry e : contacts) {
            if (e.name().equals(user)) {
                contactByUser.put(user, e.name());
                return e.name();
            }
        }
        throw new IOException("no contact on the device for user '" + user + "'");
    }

    /**
     * Seals {@code text} for {@code user} (approve on the device) and hands it to the relay.
     * Synchronized with {@link #receive}: the device allows one pending approval per client, so this
     * client never races itself into a "busy" refusal.
     */
    public synchronized boolean send(String user, String text) {
        try {
            if (!knownUsers.contains(user)) {
                // Check before sealing: a package the relay refuses would burn pad for nothing
                // and show up at the other end as a skip.
                for (RelayUser u : relay.users()) {
                    knownUsers.add(u.name());
                }
                if (!knownUsers.contains(user)) {
                    print("Not sent to " + user + ": " + user + " has no account on the relay yet"
                            + " (they must connect to it once, e.g. 'otpi inbox')");
                    return false;
                }
            }
            SealResponse sealed = device.seal(contactFor(user), text.getBytes(StandardCharsets.UTF_8), null);
            long ref = relay.send(user, sealed.packageData());
            print("Message sent to " + user + " (ref " + ref + "); pad left for " + user + ": " + sealed.sendRemaining() + " bytes");
            if (sealed.lowPad()) {
                print("WARNING: pad for " + user + " is running low");
            }
            return true;
        } catch (DeviceClientException e) {
            print("Not sent to " + user + ": " + describe(e));
            return false;
        } catch (org.otpi.bridge.relay.RelayException e) {
            print("Not sent to " + user + ": " + (e.status() == 404
                    ? user + " has no account on the relay yet (they must connect to it once, e.g. 'otpi inbox')"
                    : e.getMessage()));
            return false;
        } catch (IOException e) {
            print("Not sent to " + user + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Fetches everything after the last reference number seen, plus the messages kept for another
     * attempt, opens and prints them.
     */
    public int fetchAndShow() throws IOException {
        java.util.SortedSet<Long> retry = home.retryRefs();
        long from = retry.isEmpty() ? home.lastRef() : Math.min(home.lastRef(), retry.first() - 1);
        List<RelayMessage> messages = relay.fetch(from);
        int n = 0;
        for (RelayMessage m : messages) {
            if (receive(m)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Opens one relayed message on the device and prints it; returns false if it was already seen
     * (by reference number) or could not be opened. Warnings from the device are always shown.
     */
    public synchronized boolean receive(RelayMessage m) {
        // Seen in this session: a duplicate delivery. (References before the remembered one are
        // never fetched; if a relay pushes one anyway, the device judges it: a replay is flagged.)
        if (!home.retryRefs().contains(m.ref()) && !seen.add(m.ref())) {
            return false;
        }
        boolean shown = false;
        boolean definitive = true;
        try {
            byte[] pkg;
            try {
                pkg = Base64.getDecoder().decode(m.packageB64());
            } catch (IllegalArgumentException e) {
                print("WARNING: relay delivered a malformed package from " + m.from() + " (ref " + m.ref() + "): dropped");
                return false;
            }
            OpenResponse opened = device.open(contactFor(m.from()), pkg);
            String text = new String(Base64.getDecoder().decode(opened.message()), StandardCharsets.UTF_8);
            for (String w : opened.warnings()) {
                print(warning(w, m.from()));
            }
            print(m.from() + ": " + text);
            shown = true;
        } catch (DeviceClientException e) {
            for (String w : e.warnings()) {
                print(warning(w, m.from()));
            }
            print("Could not open message from " + m.from() + " (ref " + m.ref() + "): " + describe(e));
            definitive = DEFINITIVE.contains(e.code());
        } catch (IOException e) {
            print("Could not open message from " + m.from() + " (ref " + m.ref() + "): " + e.getMessage());
            definitive = false;
        }
        try {
            home.advanceRef(m.ref());
            if (!definitive) {
                home.markRetry(m.ref());
                print("(message ref " + m.ref() + " kept on the relay; it is tried again on the next fetch)");
                return false;
            }
            home.clearRetry(m.ref());
            relay.ack(m.ref());
        } catch (IOException e) {
            print("(could not acknowledge ref " + m.ref() + ": " + e.getMessage() + ")");
        }
        return shown;
    }

    /** Device answers that settle a package for good; anything else is retried on the next fetch. */
    private static final java.util.Set<String> DEFINITIVE = java.util.Set.of("replay", "rejected", "unknown_contact", "bad_request", "too_large");

    static String warning(String code, String from) {
        return switch (code) {
            case "REPLAY" -> "WARNING: possible replay of an old message from " + from + ". An attacker may be injecting packages.";
            case "SKIP" -> "WARNING: messages from " + from + " were skipped (dropped or delayed by the relay).";
            case "LATE" -> "WARNING: a late message from " + from + " arrived out of order.";
            case "EXPIRED_BY_PEER" -> "WARNING: " + from + " marked your shared pad as expired. It is now retired.";
            case "FORGED" -> "WARNING: a message claiming to be from " + from + " failed authentication (forged or corrupted).";
            default -> "WARNING from the device: " + code;
        };
    }

    static String describe(DeviceClientException e) {
        return switch (e.code()) {
            case "denied" -> "denied on the device";
            case "busy" -> "the device is busy with another request from this client";
            case "unauthorized" -> "not paired with the device (run: otpi pair)";
            case "pad_exhausted" -> "not enough pad left";
            case "unknown_contact" -> "no such contact on the device";
            case "locked" -> "the device is locked";
            case "replay" -> "already opened (replay)";
            case "rejected" -> "rejected by the device";
            default -> "failed";
        };
    }
}
