package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.StandingApprovals;

/**
 * The socket only serves the kiosk user: a process running as {@code nobody} (started through
 * {@code runuser}, so the test needs root) is refused by the file mode, and, with the file made
 * world-connectable, by the peer-credential check. The probe is a one-file Java program run by the
 * source launcher, so it needs no readable class path.
 */
class KioskPeerCredentialTest {
    private static final String PROBE = """
            import java.net.UnixDomainSocketAddress;
            import java.nio.ByteBuffer;
            import java.nio.channels.SocketChannel;
            public class Probe {
                public static void main(String[] a) {
                    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(a[0]))) {
                        ch.write(ByteBuffer.wrap("{\\"type\\":\\"status\\",\\"id\\":1}\\n".getBytes()));
                        ByteBuffer b = ByteBuffer.allocate(65536);
                        int n = ch.read(b);
                        System.out.println(n < 0 ? "EOF" : "REPLY " + new String(b.array(), 0, n));
                    } catch (Exception e) {
                        System.out.println("ERROR " + e.getMessage());
                    }
                }
            }
            """;

    Path dir;
    Path probe;
    KioskApprover approver = new KioskApprover();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a probe as nobody");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/runuser")) || Files.isExecutable(Path.of("/sbin/runuser")));
        dir = Files.createTempDirectory(Path.of("/tmp"), "otpi-kiosk-peer");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        probe = dir.resolve("Probe.java");
        Files.writeString(probe, PROBE, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterEach
    void tearDown() throws IOException {
        approver.close();
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void connectionFromAnotherUid_isRefusedByPeerCredentials() throws Exception {
        Path socket = dir.resolve("open.sock");
        UserPrincipal root = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("root");
        try (KioskServer server = KioskServer.start(socket, root, backend(), approver, false)) {
            assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));

            String asNobody = runProbe(true, socket);
            assertFalse(asNobody.startsWith("REPLY"), asNobody);
            assertEquals(1, server.refusedConnections());

            String asRoot = runProbe(false, socket); // control: the kiosk user gets an answer
            assertTrue(asRoot.startsWith("REPLY") && asRoot.contains("status-reply"), asRoot);
            assertEquals(1, server.refusedConnections());
        }
    }

    @Test
    void connectionFromAnotherUid_isRefusedByFileMode() throws Exception {
        Path socket = dir.resolve("kiosk.sock");
        try (KioskServer server = KioskServer.start(socket, "root", backend(), approver)) {
            String asNobody = runProbe(true, socket);
            assertTrue(asNobody.startsWith("ERROR") && asNobody.toLowerCase().contains("permission"), asNobody);
            assertEquals(0, server.refusedConnections());
        }
    }

    /**
     * The device's way: the appliance (here root, on the Pi the unprivileged {@code otpi}) keeps
     * the socket and shares it through a group, with no chown. The kiosk user gets in through the
     * group; another user with the same group is still refused by its peer credentials.
     */
    @Test
    void sharedGroupMode_admitsTheKioskUserOnly_withoutChown() throws Exception {
        Path socket = dir.resolve("group.sock");
        try (KioskServer server = KioskServer.start(socket, "nobody", "nogroup", backend(), approver)) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("root", Files.getOwner(socket).getName(), "no chown to the kiosk user");
            assertEquals("nogroup", Files.readAttributes(socket, java.nio.file.attribute.PosixFileAttributes.class)
                    .group().getName());

            String asKiosk = runProbe(List.of("runuser", "-u", "nobody", "--"), socket);
            assertTrue(asKiosk.startsWith("REPLY") && asKiosk.contains("status-reply"), asKiosk);
            assertEquals(0, server.refusedConnections());

            String otherInGroup = runProbe(List.of("runuser", "-u", "daemon", "-g", "nogroup", "--"), socket);
            assertFalse(otherInGroup.startsWith("REPLY"), otherInGroup);
            assertEquals(1, server.refusedConnections());

            String outsider = runProbe(List.of("runuser", "-u", "daemon", "--"), socket);
            assertTrue(outsider.startsWith("ERROR") && outsider.toLowerCase().contains("permission"), outsider);
        }
    }

    private static InMemoryKioskBackend backend() {
        return InMemoryKioskBackend.demo(Clock.systemUTC(), new StandingApprovals(Clock.systemUTC()));
    }

    private String runProbe(boolean asNobody, Path socket) throws Exception {
        return runProbe(asNobody ? List.of("runuser", "-u", "nobody", "--") : List.of(), socket);
    }

    private String runProbe(List<String> as, Path socket) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> cmd = new ArrayList<>(as);
        cmd.addAll(List.of(java, "-XX:-UsePerfData", "-Xshare:off", probe.toString(), socket.toString()));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe finished");
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        } finally {
            p.destroyForcibly();
        }
    }
}
