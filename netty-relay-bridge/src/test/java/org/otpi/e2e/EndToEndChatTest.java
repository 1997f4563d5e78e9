package org.otpi.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.ApplianceRuntime;
import org.otpi.appliance.approval.AutoApprover;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.securitylog.SecurityEvents;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.bridge.cli.ClientHome;
import org.otpi.bridge.cli.DeviceClient;
import org.otpi.bridge.cli.Messenger;
import org.otpi.bridge.cli.RelayClientApi;
import org.otpi.relay.ChaosProxy;
import org.otpi.relay.RelayConfig;
import org.otpi.relay.RelayServer;
import org.otpi.relay.store.SqliteRelayStore;

/**
 * Issue 3 end to end on loopback, every part real: a relay (SQLite) whose deliveries go through
 * a chaos filter that drops, corrupts, duplicates, reorders and replays; two appliances with
 * real vaults serving the device RPC; two laptop clients. 1,000 messages cross in both
 * directions. Every intact message is delivered exactly once, every corrupted one is rejected
 * and logged, replays and skips are flagged, and neither device ever uses a pad byte twice.
 */
class EndToEndChatTest {
    private static final int PER_SIDE = 500;
    private static final Pattern SENT = Pattern.compile("Message sent to (\\w+) \\(pad \\d+, ref (\\d+)\\)");

    @Test
    void thousandMessages_throughAHostileRelay(@TempDir Path dir) throws Exception {
        ChaosProxy chaos = new ChaosProxy(ChaosProxy.Settings.parse(
                "seed=7,drop=0.02,corrupt=0.02,duplicate=0.03,reorder=0.1,replay=0.02"));
        byte[] pad = TestVaults.pad(99, 1024 * 1024);
        for (String[] p : new String[][] {{"alice", "bob"}, {"bob", "alice"}}) {
            try (Vault v = TestVaults.create(dir, p[0])) {
                v.importPad(p[1], p[1], new ByteArrayInputStream(pad), pad.length, "imported", "message", null);
            }
        }
        Map<String, String> deviceTokens = new HashMap<>();
        for (String who : List.of("alice", "bob")) {
            deviceTokens.put(who, ClientRegistry.open(dir.resolve(who + "-state")).issue(who + "-laptop"));
        }
        long securityBefore = lastSecuritySeq();
        try (SqliteRelayStore store = SqliteRelayStore.open(dir.resolve("relay.db"));
             RelayServer relay = RelayServer.start(RelayConfig.builder().bind("127.0.0.1").port(0)
                     .deliveryFilter(chaos).build(), store);
             ApplianceRuntime aliceDev = appliance(dir, "alice");
             ApplianceRuntime bobDev = appliance(dir, "bob")) {
            Client alice = client(dir, "alice", aliceDev, relay.uri(), deviceTokens.get("alice"));
            Client bob = client(dir, "bob", bobDev, relay.uri(), deviceTokens.get("bob"));

            for (int i = 0; i < PER_SIDE; i++) {
                assertTrue(alice.messenger.send("bob", "a2b #" + i), () -> alice.lines.toString());
                assertTrue(bob.messenger.send("alice", "b2a #" + i), () -> bob.lines.toString());
                if (i % 50 == 49) {
                    alice.messenger.fetchAndShow();
                    bob.messenger.fetchAndShow();
                }
            }
            // A hostile relay also re-sends old packages under new reference numbers.
            int injected = 10;
            for (int i = 0; i < injected; i++) {
                byte[] pkg = Base64Seal.seal(alice.device, "bob", "replayed #" + i);
                alice.extraPad += ("replayed #" + i).length() + 32;
                bob.relaySend(alice.relayToken, pkg);
                bob.relaySend(alice.relayToken, pkg);
            }
            for (int k = 0; k < 3; k++) {
                alice.messenger.fetchAndShow();
                bob.messenger.fetchAndShow();
            }

            for (Client[] pair : new Client[][] {{alice, bob}, {bob, alice}}) {
                Client sender = pair[0];
                Client receiver = pair[1];
                Map<Long, String> sent = sender.sentRefs();
                assertEquals(PER_SIDE, sent.size(), "every send got a reference");
                int delivered = 0;
                for (Map.Entry<Long, String> e : sent.entrySet()) {
                    long ref = e.getKey();
                    int times = receiver.count(sender.name + ": " + e.getValue());
                    if (chaos.dropsRef(ref) || chaos.corruptsRef(ref)) {
                        assertEquals(0, times, "ref " + ref + " was dropped or corrupted but shown");
                    } else {
                        assertEquals(1, times, "intact ref " + ref + " (" + e.getValue() + ") shown " + times + " times; "
                                + receiver.around("ref " + ref + ")") + " stats " + chaos.stats());
                        delivered++;
                    }
                }
                assertTrue(delivered > PER_SIDE * 9 / 10, "too few delivered: " + delivered);
                long corrupted = sent.keySet().stream().filter(r -> chaos.corruptsRef(r) && !chaos.dropsRef(r)).count();
                assertTrue(corrupted > 0, "the chaos seed corrupted nothing: pick another");
                assertTrue(receiver.countContaining("Could not open the message from " + sender.name) >= corrupted,
                        "corrupted packages not all rejected");
                assertTrue(receiver.countContaining("were skipped") > 0, "skips not flagged");
            }
            assertEquals(injected, bob.countContaining("possible replay"), "injected replays not all flagged");
            for (int i = 0; i < injected; i++) {
                assertEquals(1, bob.count("alice: replayed #" + i));
            }

            // No pad byte used twice: each device's cursor is exactly the sum of what it sealed,
            // and what a receiver opened never exceeds what its peer sealed.
            PadStats a = aliceDev.device().vault().stats("bob");
            PadStats b = bobDev.device().vault().stats("alice");
            assertEquals(alice.padSpent(), a.sendUsed());
            assertEquals(bob.padSpent(), b.sendUsed());
            assertTrue(b.receiveUsed() <= a.sendUsed() && a.receiveUsed() <= b.sendUsed());
            long forgeries = SecurityEvents.since(securityBefore, Integer.MAX_VALUE).stream()
                    .filter(e -> e.kind().equals("forgery") || e.kind().equals("replay") || e.text().contains("rejected"))
                    .count();
            assertTrue(forgeries >= injected, "rejections not in the security log");
        }
    }

    private static long lastSecuritySeq() {
        List<SecurityEvents.Event> all = SecurityEvents.since(0, Integer.MAX_VALUE);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }

    private static ApplianceRuntime appliance(Path dir, String who) throws Exception {
        return ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve(who + "-medium"), dir.resolve(who + "-state"),
                InetAddress.getLoopbackAddress(), 0, new AutoApprover(), Duration.ofSeconds(10), List.of(),
                TestVaults.PIN.clone(), null, null, null, ApplianceRuntime.Gpio.OFF, null, List.of(dir.resolve("no-hrng")),
                false, new PrintStream(new ByteArrayOutputStream()), List.of()));
    }

    private static Client client(Path dir, String who, ApplianceRuntime dev, URI relayUri, String deviceToken)
            throws Exception {
        DeviceClient device = new DeviceClient(URI.create("http://127.0.0.1:" + dev.rpcAddress().getPort()), deviceToken);
        RelayClientApi relay = new RelayClientApi(relayUri);
        String relayToken = relay.register(who);
        ClientHome home = ClientHome.open(dir.resolve(who + "-home"));
        Client c = new Client(who, device, relay, relayUri, relayToken);
        c.messenger = new Messenger(device, relay, home, new PrintWriter(new StringWriter()));
        c.messenger.printer(c.lines::add);
        return c;
    }

    /** A laptop client with everything it printed. */
    static final class Client {
        final String name;
        final DeviceClient device;
        final RelayClientApi relay;
        final URI relayUri;
        final String relayToken;
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Messenger messenger;
        long extraPad;

        Client(String name, DeviceClient device, RelayClientApi relay, URI relayUri, String relayToken) {
            this.name = name;
            this.device = device;
            this.relay = relay;
            this.relayUri = relayUri;
            this.relayToken = relayToken;
        }

        Map<Long, String> sentRefs() {
            Map<Long, String> out = new HashMap<>();
            int i = 0;
            synchronized (lines) {
                for (String l : lines) {
                    Matcher m = SENT.matcher(l);
                    if (m.find()) {
                        out.put(Long.parseLong(m.group(2)), (name.equals("alice") ? "a2b #" : "b2a #") + i++);
                    }
                }
            }
            return out;
        }

        /** Messages shown as {@code [time pad N] sender: text}, matched on "sender: text". */
        int count(String senderAndText) {
            synchronized (lines) {
                return (int) lines.stream().filter(l -> l.startsWith("[") && l.endsWith("] " + senderAndText)).count();
            }
        }

        String around(String part) {
            synchronized (lines) {
                List<String> hits = new ArrayList<>();
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains(part)) {
                        hits.addAll(lines.subList(Math.max(0, i - 3), Math.min(lines.size(), i + 3)));
                    }
                }
                return hits.toString();
            }
        }

        int countContaining(String part) {
            synchronized (lines) {
                return (int) lines.stream().filter(l -> l.contains(part)).count();
            }
        }

        /** Pad spent by this client's device on what it sealed (v2: |m| + 32 each). */
        long padSpent() {
            long total = extraPad;
            String prefix = name.equals("alice") ? "a2b #" : "b2a #";
            for (int i = 0; i < PER_SIDE; i++) {
                total += (prefix + i).length() + 32;
            }
            return total;
        }

        /** Sends raw package bytes through the relay as the given account (a hostile relay's replay). */
        void relaySend(String asToken, byte[] pkg) throws Exception {
            RelayClientApi as = new RelayClientApi(relayUri);
            as.login("alice", asToken);
            as.send(name, java.util.Base64.getEncoder().encodeToString(pkg), null);
            as.close();
        }
    }

    /** Seals through the device RPC directly, recording the pad it costs. */
    static final class Base64Seal {
        static byte[] seal(DeviceClient device, String contact, String text) throws Exception {
            var r = device.seal(contact, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), null);
            return java.util.Base64.getDecoder().decode(r.packageData());
        }
    }
}
