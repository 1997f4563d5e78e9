package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real thing: two network namespaces joined by a veth pair, {@code otpi-tunnel} (a child JVM)
 * in each over a real TUN and a real UDP socket, and a third process between them (relay,
 * capture and attacker). Runs as root; cleans up namespaces and processes whatever happens.
 *
 * <pre>
 *  ns A: tunnel A 10.99.0.1:7000, TUN 10.0.0.1/24
 *          |  veth
 *  ns B: relay 10.99.0.2:7001 (faces A) / :7002 (faces B), attacker's foreign address 10.99.0.3
 *        tunnel B 10.99.0.2:7000, TUN 10.0.0.2/24
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TunnelNetnsEndToEndTest {

    private static final long TRANSFER_BYTES = 100L * 1024 * 1024;
    private static final Pattern STATS = Pattern.compile("tunnel stats: (.*?) slotsRemaining");

    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String nsA = "otpiA" + suffix;
    private final String nsB = "otpiB" + suffix;
    private Path dir;
    private final List<Process> processes = new ArrayList<>();
    private Process tunnelA;
    private Process tunnelB;
    private Process relay;
    private File logA;
    private File logB;
    private File logRelay;
    private Path capture;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        dir = Files.createTempDirectory("otpi-tunnel-e2e");
        cleanNamespaces();
        Netns.sh("ip", "netns", "add", nsA);
        Netns.sh("ip", "netns", "add", nsB);
        Netns.sh("ip", "link", "add", "va" + suffix, "type", "veth", "peer", "name", "vb" + suffix);
        Netns.sh("ip", "link", "set", "va" + suffix, "netns", nsA);
        Netns.sh("ip", "link", "set", "vb" + suffix, "netns", nsB);
        Netns.sh("ip", "-n", nsA, "addr", "add", "10.99.0.1/24", "dev", "va" + suffix);
        Netns.sh("ip", "-n", nsB, "addr", "add", "10.99.0.2/24", "dev", "vb" + suffix);
        Netns.sh("ip", "-n", nsB, "addr", "add", "10.99.0.3/24", "dev", "vb" + suffix);
        for (String ns : List.of(nsA, nsB)) {
            Netns.sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        Netns.sh("ip", "-n", nsA, "link", "set", "va" + suffix, "up");
        Netns.sh("ip", "-n", nsB, "link", "set", "vb" + suffix, "up");

        byte[] material = new byte[20_000 * ProtocolConstants.SLOT_SIZE];
        new java.security.SecureRandom().nextBytes(material);
        Files.write(dir.resolve("a.psk"), material); // each site has its own copy, as in real life
        Files.write(dir.resolve("b.psk"), material);
        writeConfig("a.conf", "initiator", "10.99.0.1:7000", "10.99.0.2:7001", "10.0.0.1/24", "a", "00000000000000a1",
                "00000000000000b2");
        writeConfig("b.conf", "responder", "10.99.0.2:7000", "10.99.0.2:7002", "10.0.0.2/24", "b", "00000000000000b2",
                "00000000000000a1");
        logA = dir.resolve("tunnel-a.log").toFile();
        logB = dir.resolve("tunnel-b.log").toFile();
        logRelay = dir.resolve("relay.log").toFile();
        capture = dir.resolve("capture.bin");
        relay = spawn(logRelay, nsB, E2eRelay.class, "10.99.0.1:7000", "10.99.0.2:7000", "10.99.0.2:7001",
                "10.99.0.2:7002", "10.99.0.3:0", capture.toString());
        Netns.awaitLine(logRelay, "relay ready", 30);
        tunnelB = spawn(logB, nsB, TunnelMain.class, "--config", dir.resolve("b.conf").toString());
        tunnelA = spawn(logA, nsA, TunnelMain.class, "--config", dir.resolve("a.conf").toString());
        Netns.awaitLine(logA, "tunnel handshake complete", 60);
        Netns.awaitLine(logB, "tunnel handshake complete", 60);
    }

    private void writeConfig(String name, String role, String local, String peer, String tun, String side, String id,
            String allow) throws IOException {
        String text = "role=" + role + "\nlocal.address=" + local + "\npeer.address=" + peer + "\ntun.name=otpt" + side
                + suffix + "\ntun.address=" + tun + "\nkey.file=" + dir.resolve(side + ".psk") + "\nstate.dir="
                + dir.resolve("state-" + side) + "\nhandshake=on\nidentity.id=" + id + "\npeer.allow=" + allow
                + "\nstats.seconds=1\nkeepalive.seconds=2\n";
        Files.writeString(dir.resolve(name), text);
    }

    @AfterAll
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.toHandle().destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        cleanNamespaces();
        if (dir != null) {
            for (File f : new File[] {logA, logB, logRelay}) {
                if (f != null && f.exists()) {
                    System.out.println("---- " + f.getName() + " (last lines)");
                    List<String> lines = Files.readAllLines(f.toPath());
                    lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(System.out::println);
                }
            }
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void cleanNamespaces() throws Exception {
        Netns.delete(nsA, nsB);
    }

    @Test
    @Order(1)
    void pingAcrossTheTunnel_bothWays() throws Exception {
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsA, "ping", "-c", "3", "-i", "0.2", "-W", "3", "10.0.0.2"));
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsB, "ping", "-c", "3", "-i", "0.2", "-W", "3", "10.0.0.1"));
        // MTU 1420 on the TUN: a full-size ping does not fragment the outer packet
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsA, "ping", "-c", "2", "-M", "do", "-s", "1392", "-W", "3",
                "10.0.0.2"));
    }

    @Test
    @Order(2)
    void tcpTransfer100MB_sha256Matches() throws Exception {
        String[] r = transfer(5201, TRANSFER_BYTES, 42, 240, null);
        long ms = Long.parseLong(r[2]);
        System.out.printf("100 MiB through the tunnel in %d ms: %.1f Mbit/s%n", ms, TRANSFER_BYTES * 8.0 / ms / 1000);
    }

    @Test
    @Order(3)
    void attackFromThirdProcess_rejectedAndCounted_tunnelStaysUp() throws Exception {
        Map<String, Long> a0 = lastStats(logA);
        Map<String, Long> b0 = lastStats(logB);
        OutputStream ctl = relay.getOutputStream();
        ctl.write("attack\n".getBytes(StandardCharsets.US_ASCII));
        ctl.flush();
        Netns.awaitLine(logRelay, "attack done", 30);
        // stats lines come every second; under load they may lag: poll for up to 20 s
        List<String> missing = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        do {
            Thread.sleep(500);
            missing.clear();
            Map<String, Long> a1 = lastStats(logA);
            Map<String, Long> b1 = lastStats(logB);
            for (String side : List.of("A", "B")) {
                Map<String, Long> before = side.equals("A") ? a0 : b0;
                Map<String, Long> after = side.equals("A") ? a1 : b1;
                for (String counter : List.of("replays", "malformed", "foreignSource", "authFailures")) {
                    if (after.get(counter) <= before.get(counter)) {
                        missing.add(side + "." + counter + " " + before.get(counter) + " -> " + after.get(counter));
                    }
                }
            }
        } while (!missing.isEmpty() && System.nanoTime() < end);
        assertEquals(List.of(), missing, "attacks not counted");
        assertTrue(tunnelA.isAlive() && tunnelB.isAlive(), "a tunnel died under attack");
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsA, "ping", "-c", "3", "-i", "0.2", "-W", "3", "10.0.0.2"));
        transfer(5203, 5L * 1024 * 1024, 7, 60, null);
    }

    @Test
    @Order(4)
    void sigkillMidTransfer_restartResumes_noSequenceEverSentTwice() throws Exception {
        java.util.function.Consumer<Process> crash = source -> {
            try {
                awaitStatsAbove(logB, "rxBytes", lastStats(logB).get("rxBytes") + 3_000_000, 60);
                assertTrue(source.isAlive(), "transfer already over: the crash would not be mid-transfer");
                tunnelB.toHandle().destroyForcibly(); // SIGKILL to the java process (ip netns exec execs it)
                tunnelB.waitFor(10, TimeUnit.SECONDS);
                tunnelB = spawn(logB, nsB, TunnelMain.class, "--config", dir.resolve("b.conf").toString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        transfer(5202, 60L * 1024 * 1024, 9, 180, crash);
        assertTrue(tunnelB.isAlive());
        // the capture of every datagram the relay forwarded: each (direction, sequence) exactly once
        OutputStream ctl = relay.getOutputStream();
        ctl.write("flush\n".getBytes(StandardCharsets.US_ASCII));
        ctl.flush();
        Netns.awaitLine(logRelay, "flushed", 30);
        Set<String> seen = new HashSet<>();
        int data = 0;
        List<String> dupes = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(capture)))) {
            byte[] head = new byte[32];
            while (true) {
                int tag;
                try {
                    tag = in.readUnsignedByte();
                } catch (EOFException eof) {
                    break;
                }
                in.readUnsignedShort();
                in.readFully(head);
                if (WireFormat.isData(head, 0, 32)) {
                    data++;
                    assertEquals(tag, head[WireFormat.OFF_DIRECTION], "direction byte vs path");
                    String k = head[WireFormat.OFF_DIRECTION] + ":" + WireFormat.sequence(head, 0);
                    if (!seen.add(k) && dupes.size() < 10) {
                        dupes.add(k);
                    }
                }
            }
        }
        assertTrue(data > 50_000, "capture holds only " + data + " data datagrams");
        assertEquals(List.of(), dupes, "(direction:sequence) sent twice");
    }

    @Test
    @Order(5)
    void sigterm_shutsDownCleanly_recordsState_removesTun() throws Exception {
        long pid = tunnelA.pid();
        assertEquals(0, Netns.run(10, "kill", "-TERM", Long.toString(pid)));
        assertTrue(tunnelA.waitFor(30, TimeUnit.SECONDS), "tunnel A did not stop on SIGTERM");
        assertEquals(143, tunnelA.exitValue(), "JVM exit status after SIGTERM");
        Netns.awaitLine(logA, "tunnel down", 5);
        String state = Files.readString(dir.resolve("state-a").resolve(SequenceState.FILE));
        assertTrue(state.contains("txReserved="), state);
        assertTrue(!state.contains("txDestroyedBelow=0\n"), "destruction progress recorded: " + state);
        assertTrue(Netns.run(10, "ip", "-n", nsA, "link", "show", "otpta" + suffix) != 0, "TUN left behind");
    }

    /** Runs a sink in B and a source in A; returns the source's fields; asserts the digests match. */
    private String[] transfer(int port, long bytes, long seed, int timeoutSeconds,
            java.util.function.Consumer<Process> midway) throws Exception {
        File sinkLog = dir.resolve("sink-" + port + ".log").toFile();
        File sourceLog = dir.resolve("source-" + port + ".log").toFile();
        Process sink = spawn(sinkLog, nsB, E2eTcp.class, "sink", "10.0.0.2", Integer.toString(port));
        Netns.awaitLine(sinkLog, "sink listening", 30);
        Process source = spawn(sourceLog, nsA, E2eTcp.class, "source", "10.0.0.2", Integer.toString(port),
                Long.toString(bytes), Long.toString(seed));
        if (midway != null) {
            midway.accept(source);
        }
        assertTrue(source.waitFor(timeoutSeconds, TimeUnit.SECONDS), "transfer did not finish in time");
        assertTrue(sink.waitFor(30, TimeUnit.SECONDS));
        String src = Netns.awaitLine(sourceLog, "source ", 5);
        String snk = Netns.awaitLine(sinkLog, "sink " + bytes, 5);
        String[] s = src.substring(src.indexOf("source ") + 7).trim().split(" ");
        String[] k = snk.substring(snk.indexOf("sink ") + 5).trim().split(" ");
        assertEquals(Long.toString(bytes), k[0], "bytes received");
        assertEquals(s[1], k[1], "SHA-256 of what was sent vs received");
        return s;
    }

    private Process spawn(File log, String ns, Class<?> main, String... args) throws IOException {
        Process p = Netns.spawn(log, ns, main, args);
        processes.add(p);
        return p;
    }

    private static Map<String, Long> lastStats(File log) throws IOException {
        Map<String, Long> m = new HashMap<>();
        for (String line : Files.readAllLines(log.toPath(), StandardCharsets.UTF_8)) {
            Matcher mt = STATS.matcher(line);
            if (mt.find()) {
                m.clear();
                for (String kv : mt.group(1).trim().split(" ")) {
                    String[] p = kv.split("=");
                    m.put(p[0], Long.parseLong(p[1]));
                }
            }
        }
        if (m.isEmpty()) {
            throw new AssertionError("no stats line in " + log);
        }
        return m;
    }

    private static void awaitStatsAbove(File log, String key, long value, int seconds) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            if (lastStats(log).get(key) > value) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(key + " never above " + value);
    }

}
