package org.otpi.bridge.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The client's own state in its home directory (default {@code ~/.otpi}, mode 700):
 * {@code client.properties} (device and relay URLs, user name, device and relay tokens, the last
 * relay reference number seen, messages not yet shown, opens not yet confirmed to the device;
 * mode 600), {@code groups.properties} (group aliases), {@code history.jsonl} ({@link History})
 * and {@code outbox/} ({@link Outbox}). Files are rewritten atomically. Tokens are never printed.
 *
 * <p>Thread-safety: synchronized (the live-receive thread saves the reference number).
 */
public final class ClientHome {
    public static final String DEVICE_URL = "device.url";
    public static final String DEVICE_TOKEN = "device.token";
    public static final String RELAY_URL = "relay.url";
    public static final String RELAY_TOKEN = "relay.token";
    public static final String USER = "user";
    public static final String LAST_REF = "relay.lastRef";
    /** Messages at or below lastRef that the device could not settle yet (denied, busy, offline). */
    public static final String RETRY_REFS = "relay.retry";
    static final int MAX_RETRY = 256;
    /** History ids of received messages stored but not shown yet (display failed or crashed). */
    public static final String UNSHOWN = "history.unshown";
    /** {@code index/contact} of opened messages the device has not heard "stored" about yet. */
    public static final String CONFIRM = "device.confirm";

    private final Path dir;
    private final Properties props = new Properties();
    private final Map<String, List<String>> groups = new TreeMap<>();
    private final History history;
    private final Outbox outbox;

    private ClientHome(Path dir) {
        this.dir = dir;
        this.history = new History(dir);
        this.outbox = new Outbox(dir);
    }

    public History history() {
        return history;
    }

    public Outbox outbox() {
        return outbox;
    }

    public static ClientHome open(Path dir) throws IOException {
        PrivateFiles.dir(dir);
        ClientHome home = new ClientHome(dir);
        Path p = dir.resolve("client.properties");
        if (Files.exists(p)) {
            try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
                home.props.load(r);
            }
        }
        Path g = dir.resolve("groups.properties");
        if (Files.exists(g)) {
            Properties gp = new Properties();
            try (Reader r = Files.newBufferedReader(g, StandardCharsets.UTF_8)) {
                gp.load(r);
            }
            gp.stringPropertyNames().forEach(name -> home.groups.put(name, splitUsers(gp.getProperty(name))));
        }
        return home;
    }

    public Path dir() {
        return dir;
    }

    public synchronized String get(String key) {
        return props.getProperty(key);
    }

    public synchronized void set(String key, String value) throws IOException {
        props.setProperty(key, value);
        save("client.properties", props);
    }

    public synchronized void remove(String key) throws IOException {
        if (props.remove(key) != null) {
            save("client.properties", props);
        }
    }

    /** A comma-separated list property (values must not contain commas). */
    public synchronized java.util.Set<String> list(String key) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (String v : props.getProperty(key, "").split(",")) {
            if (!v.isBlank()) {
                out.add(v);
            }
        }
        return out;
    }

    public synchronized void addTo(String key, String value) throws IOException {
        java.util.Set<String> l = list(key);
        if (l.add(value)) {
            set(key, String.join(",", l));
        }
    }

    public synchronized void removeFrom(String key, String value) throws IOException {
        java.util.Set<String> l = list(key);
        if (l.remove(value)) {
            set(key, String.join(",", l));
        }
    }

    public synchronized long lastRef() {
        return Long.parseLong(props.getProperty(LAST_REF, "0"));
    }

    /** Advances the last reference number (never moves it back) and saves it. */
    public synchronized void advanceRef(long ref) throws IOException {
        if (ref > lastRef()) {
            set(LAST_REF, Long.toString(ref));
        }
    }

    /**
     * One save for a received message: {@code unshownId} (if not null) joins the messages to
     * show, the reference number advances and leaves the retry list. Called after the message is
     * in the history and before the device is told it may forget it.
     */
    public synchronized void received(long ref, String unshownId) throws IOException {
        if (unshownId != null) {
            java.util.Set<String> l = list(UNSHOWN);
            l.add(unshownId);
            props.setProperty(UNSHOWN, String.join(",", l));
        }
        if (ref > lastRef()) {
            props.setProperty(LAST_REF, Long.toString(ref));
        }
        java.util.SortedSet<Long> refs = retryRefs();
        if (refs.remove(ref)) {
            props.setProperty(RETRY_REFS, String.join(",", refs.stream().map(String::valueOf).toList()));
        }
        save("client.properties", props);
    }

    /** The messages {@code ids} were shown: one save for all of them. */
    public synchronized void shown(java.util.Collection<String> ids) throws IOException {
        java.util.Set<String> l = list(UNSHOWN);
        if (l.removeAll(ids)) {
            set(UNSHOWN, String.join(",", l));
        }
    }

    /** References to fetch and open again (kept on the relay, not acknowledged). */
    public synchronized java.util.SortedSet<Long> retryRefs() {
        java.util.SortedSet<Long> out = new java.util.TreeSet<>();
        String v = props.getProperty(RETRY_REFS, "");
        for (String r : v.split(",")) {
            if (!r.isBlank()) {
                out.add(Long.parseLong(r.trim()));
            }
        }
        return out;
    }

    /** Remembers {@code ref} for another attempt (the oldest are dropped beyond {@value #MAX_RETRY}). */
    public synchronized void markRetry(long ref) throws IOException {
        java.util.SortedSet<Long> refs = retryRefs();
        refs.add(ref);
        while (refs.size() > MAX_RETRY) {
            refs.remove(refs.first());
        }
        setRetry(refs);
    }

    public synchronized void clearRetry(long ref) throws IOException {
        java.util.SortedSet<Long> refs = retryRefs();
        if (refs.remove(ref)) {
            setRetry(refs);
        }
    }

    private void setRetry(java.util.SortedSet<Long> refs) throws IOException {
        set(RETRY_REFS, String.join(",", refs.stream().map(String::valueOf).toList()));
    }

    public synchronized Map<String, List<String>> groups() {
        return new LinkedHashMap<>(groups);
    }

    public synchronized void setGroup(String name, List<String> members) throws IOException {
        groups.put(name, List.copyOf(members));
        Properties gp = new Properties();
        groups.forEach((k, v) -> gp.setProperty(k, String.join(",", v)));
        save("groups.properties", gp);
    }

    /** Splits {@code a,b,c} into user names, dropping blanks. */
    public static List<String> splitUsers(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).distinct().toList();
    }

    private void save(String name, Properties p) throws IOException {
        java.io.StringWriter w = new java.io.StringWriter();
        p.store(w, "OTPi client state: keep private");
        PrivateFiles.writeAtomically(dir.resolve(name), w.toString().getBytes(StandardCharsets.UTF_8));
    }
}
