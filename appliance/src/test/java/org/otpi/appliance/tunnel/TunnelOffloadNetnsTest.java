package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The offloads for real: two namespaces, a veth, {@code otpi-tunnel} child JVMs talking directly.
 * With offloads on both ends a TCP transfer arrives intact and the logs show TSO/GRO on the TUN,
 * GSO/GRO on the socket and segments joined; with offloads off at one end the two still talk;
 * with the sender's veth unable to checksum (ethtool tx off) the transfer still completes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TunnelOffloadNetnsTest {

    private static final Pattern STATS = Pattern.compile("tunnel stats: .*");

    private final String suffix = Long.toString(ProcessHandle.current().pid() % 100000);
    private final String nsA = "otpoA" + suffix;
    private final String nsB = "otpoB" + suffix;
    private final String vethA = "voa" + suffix;
    private Path dir;
    private final List<Process> processes = new ArrayList<>();
    private int run;

    @BeforeAll
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(Path.of("/dev/net/tun")),
                "needs root and /dev/net/tun");
        dir = Files.createTempDirectory("otpi-tunnel-offload");
        cleanNamespaces();
        Netns.sh("ip", "netns", "add", nsA);
        Netns.sh("ip", "netns", "add", nsB);
        Netns.sh("ip", "link", "add", vethA, "type", "veth", "peer", "name", "vob" + suffix);
        Netns.sh("ip", "link", "set", vethA, "netns", nsA);
        Netns.sh("ip", "link", "set", "vob" + suffix, "netns", nsB);
        Netns.sh("ip", "-n", nsA, "addr", "add", "10.98.0.1/24", "dev", vethA);
        Netns.sh("ip", "-n", nsB, "addr", "add", "10.98.0.2/24", "dev", "vob" + suffix);
        for (String ns : List.of(nsA, nsB)) {
            Netns.sh("ip", "-n", ns, "link", "set", "lo", "up");
        }
        Netns.sh("ip", "-n", nsA, "link", "set", vethA, "up");
        Netns.sh("ip", "-n", nsB, "link", "set", "vob" + suffix, "up");
    }

    @AfterEach
    void stopTunnels() throws Exception {
        for (Process p : processes) {
            p.toHandle().destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        processes.clear();
    }

    @AfterAll
    void tearDown() throws Exception {
        stopTunnels();
        if (dir != null) {
            try (var logs = Files.list(dir)) {
                for (Path f : logs.filter(f -> f.getFileName().toString().contains("tunnel-")).sorted().toList()) {
                    List<String> lines = Files.readAllLines(f);
                    System.out.println("---- " + f.getFileName() + " (last lines)");
                    lines.subList(Math.max(0, lines.size() - 6), lines.size()).forEach(System.out::println);
                }
            }
        }
        cleanNamespaces();
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void offloadsOnBothEnds_transferIntact_segmentsSplitAndJoined() throws Exception {
        File[] logs = startPair("offload=auto", "offload=auto");
        for (File log : logs) {
            String line = Netns.awaitLine(log, "offloads:", 30);
            assertTrue(line.contains("TUN TSO/GRO") && line.contains("UDP GSO on") && line.contains("UDP GRO on"), line);
        }
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsA, "ping", "-c", "2", "-M", "do", "-s", "1392", "-W", "3",
                "10.0.3.2"));
        transfer(16L << 20, 11);
        String b = awaitStats(logs[1], "groJoined=", 20);
        assertTrue(counter(b, "groJoined") > 1000, "receiver joined segments: " + b);
        assertEquals(0, counter(b, "tunDrops"), b);
        assertEquals(0, counter(b, "authFailures"), b);
        String a = awaitStats(logs[0], "gsoSends=", 20);
        assertTrue(counter(a, "gsoSends") > 100, "sender sent GSO runs: " + a);
    }

    /** Soak (opt-in: -Potpi-slow): 2 GiB through the offloads, then nothing dropped or refused anywhere. */
    @Test
    @org.junit.jupiter.api.Tag("slow")
    void soak_2GiB_throughTheOffloads_nothingDroppedOrRejected() throws Exception {
        File[] logs = startPair("offload=auto", "offload=auto");
        transfer(2L << 30, 21);
        for (File log : logs) {
            String st = awaitStats(log, "tunDrops=", 20);
            for (String c : List.of("tunDrops", "tunMalformed", "authFailures", "malformed", "queueDrops")) {
                assertEquals(0, counter(st, c), c + " in " + st);
            }
        }
    }

    @Test
    void offloadsOffAtOneEnd_theTwoStillTalk() throws Exception {
        File[] logs = startPair("offload=off", "offload=auto");
        assertTrue(Netns.awaitLine(logs[0], "offloads:", 30).contains("TUN off, UDP GSO off, UDP GRO off"));
        assertEquals(0, Netns.run(30, "ip", "netns", "exec", nsB, "ping", "-c", "2", "-W", "3", "10.0.3.1"));
        transfer(4L << 20, 12);
    }

    @Test
    void senderDeviceWithoutChecksumOffload_transferStillIntact() throws Exception {
        // Kernels before 6.3 refuse UDP GSO with EIO here (NettyUdp then sends one by one; the
        // refusal itself is tested in UdpOffloadTest); newer ones checksum in software.
        assumeTrue(Netns.run(10, "sh", "-c", "command -v ethtool") == 0, "needs ethtool");
        Netns.sh("ip", "netns", "exec", nsA, "ethtool", "-K", vethA, "tx", "off");
        try {
            File[] logs = startPair("offload=auto", "offload=auto");
            transfer(4L << 20, 13);
            assertEquals(0, counter(awaitStats(logs[1], "authFailures=", 20), "authFailures"));
        } finally {
            Netns.sh("ip", "netns", "exec", nsA, "ethtool", "-K", vethA, "tx", "on");
        }
    }

    private File[] startPair(String extraA, String extraB) throws Exception {
        run++;
        byte[] material = new byte[5_000 * ProtocolConstants.SLOT_SIZE];
        new java.security.SecureRandom().nextBytes(material);
        File[] logs = new File[2];
        for (int side = 0; side < 2; side++) {
            String s = side == 0 ? "a" : "b";
            Path key = dir.resolve(run + s + ".psk");
            Files.write(key, material);
            String conf = "role=" + (side == 0 ? "initiator" : "responder")
                    + "\nlocal.address=10.98.0." + (side + 1) + ":7100\npeer.address=10.98.0." + (2 - side) + ":7100"
                    + "\ntun.name=otpo" + s + suffix + "\ntun.address=10.0.3." + (side + 1) + "/24\nkey.file=" + key
                    + "\nstate.dir=" + dir.resolve(run + "state-" + s) + "\nhandshake=on\nidentity.id=000000000000000"
                    + (side + 1) + "\nstats.seconds=1\n" + (side == 0 ? extraA : extraB) + "\n";
            Path cfg = dir.resolve(run + s + ".conf");
            Files.writeString(cfg, conf);
            logs[side] = dir.resolve(run + "tunnel-" + s + ".log").toFile();
            processes.add(spawn(logs[side], side == 0 ? nsA : nsB, TunnelMain.class, "--config", cfg.toString()));
        }
        Netns.awaitLine(logs[0], "tunnel handshake complete", 60);
        Netns.awaitLine(logs[1], "tunnel handshake complete", 60);
        return logs;
    }

    private void transfer(long bytes, long seed) throws Exception {
        File sinkLog = dir.resolve("sink-" + run + "-" + seed + ".log").toFile();
        File sourceLog = dir.resolve("source-" + run + "-" + seed + ".log").toFile();
        Process sink = spawn(sinkLog, nsB, E2eTcp.class, "sink", "10.0.3.2", "5301");
        Netns.awaitLine(sinkLog, "sink listening", 30);
        Process source = spawn(sourceLog, nsA, E2eTcp.class, "source", "10.0.3.2", "5301",
                Long.toString(bytes), Long.toString(seed));
        assertTrue(source.waitFor(Math.max(120, bytes >> 22), TimeUnit.SECONDS), "transfer did not finish in time");
        assertTrue(sink.waitFor(30, TimeUnit.SECONDS));
        String src = Netns.awaitLine(sourceLog, "source ", 5);
        String snk = Netns.awaitLine(sinkLog, "sink " + bytes, 5);
        assertEquals(src.split(" ")[2], snk.split(" ")[2], "SHA-256 of what was sent vs received");
    }

    private Process spawn(File log, String ns, Class<?> main, String... args) throws IOException {
        Process p = Netns.spawn(log, ns, main, args);
        processes.add(p);
        return p;
    }

    private static long counter(String statsLine, String name) {
        Matcher m = Pattern.compile(name + "=(\\d+)").matcher(statsLine);
        assertTrue(m.find(), name + " in " + statsLine);
        return Long.parseLong(m.group(1));
    }

    /** The last stats line once it has {@code needle}, after the stats had a second to catch up. */
    private static String awaitStats(File log, String needle, int seconds) throws Exception {
        Thread.sleep(1500);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        String last = null;
        while (System.nanoTime() < end) {
            for (String line : Files.readAllLines(log.toPath(), StandardCharsets.UTF_8)) {
                Matcher m = STATS.matcher(line);
                if (m.find() && line.contains(needle)) {
                    last = m.group();
                }
            }
            if (last != null) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no stats line with " + needle + " in " + log);
    }

    private void cleanNamespaces() throws Exception {
        Netns.delete(nsA, nsB);
    }

}
