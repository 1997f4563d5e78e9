package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every OTPi systemd unit passes {@code systemd-analyze verify}, is hardened, and has a
 * low {@code systemd-analyze security --offline=true} exposure score.
 *
 * <p>Units are checked inside a temporary root: the host's own units (so targets and
 * templates resolve) plus the image's files; executables the host lacks (cage, say)
 * are stubbed, so a missing binary on the build machine does not fail the check.
 */
class SystemdUnitsTest {
    private static final Pattern EXPOSURE =
            Pattern.compile("Overall exposure level for (\\S+): ([0-9.]+) (\\S+)");

    /** Capabilities each service may keep; every other service keeps none. */
    private static final Map<String, Set<String>> ALLOWED_CAPS = Map.of(
            "otpi-entropy.service", Set.of("CAP_SYS_ADMIN"),
            "otpi-tunnel@.service", Set.of("CAP_NET_ADMIN"),
            "otpi-clock-load.service", Set.of("CAP_SYS_TIME"),
            "otpi-vault-prepare.service", Set.of("CAP_CHOWN", "CAP_FOWNER"));

    /**
     * Services that run as root (configfs, the console, the clock file are root's) and
     * keep no capability beyond {@link #ALLOWED_CAPS}.
     */
    private static final Set<String> ROOT_SERVICES = Set.of("otpi-gadget.service", "otpi-qemu-report.service",
            "otpi-clock-save.service", "otpi-clock-load.service", "otpi-vault-prepare.service");

    private static Path root;

    @BeforeAll
    static void buildTemporaryRoot() throws Exception {
        assumeTrue(Proc.available("systemd-analyze"), "systemd-analyze not installed");
        root = Files.createTempDirectory("otpi-units-root");
        Path unitDir = root.resolve("usr/lib/systemd");
        Files.createDirectories(unitDir);
        Proc copy = Proc.run("cp", "-a", "/usr/lib/systemd/system", unitDir.toString());
        assertEquals(0, copy.exitCode, copy.toString());
        copy = Proc.run("cp", "-a", ImagePaths.rootfs() + "/.", root.toString());
        assertEquals(0, copy.exitCode, copy.toString());
        for (Path unit : ImagePaths.unitFiles()) {
            for (String exec : executables(UnitFile.read(unit))) {
                Path inRoot = root.resolve(exec.substring(1));
                if (!Files.exists(inRoot)) {
                    Files.createDirectories(inRoot.getParent());
                    Files.writeString(inRoot, "#!/bin/sh\nexit 0\n");
                    Files.setPosixFilePermissions(inRoot, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    @AfterAll
    static void removeTemporaryRoot() throws IOException {
        if (root != null) {
            ImagePaths.deleteTree(root);
        }
    }

    private static List<String> executables(UnitFile unit) {
        List<String> result = new ArrayList<>();
        for (String key : List.of("ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost")) {
            for (String line : unit.all("Service", key)) {
                String first = line.split("\\s+")[0].replaceFirst("^[-@:+!]+", "");
                if (first.startsWith("/")) {
                    result.add(first);
                }
            }
        }
        return result;
    }

    private static Proc verify(Path... units) throws Exception {
        List<String> command = Proc.cmd("systemd-analyze", "verify", "--root=" + root);
        for (Path unit : units) {
            command.add(unit.toString());
        }
        return Proc.run(root, Map.of("SYSTEMD_LOG_COLOR", "0"), command, 120);
    }

    private static Path inRoot(Path unit) {
        return root.resolve("usr/lib/systemd/system").resolve(unit.getFileName());
    }

    @Test
    void everyUnit_passesSystemdAnalyzeVerify() throws Exception {
        List<Path> units = ImagePaths.unitFiles();
        assertTrue(units.size() >= 9, "expected the OTPi units, found " + units);
        Proc result = verify(units.stream().map(SystemdUnitsTest::inRoot).toArray(Path[]::new));
        assertEquals(0, result.exitCode, result.toString());
        assertFalse(result.output.toLowerCase(Locale.ROOT).contains("otpi"),
                "verify warned about an OTPi unit:\n" + result.output);
    }

    @Test
    void verify_rejectsABrokenUnit() throws Exception {
        // The check must be able to fail: a misspelt hardening key and a missing binary.
        Path broken = root.resolve("usr/lib/systemd/system/otpi-broken.service");
        Files.writeString(broken, "[Unit]\nDescription=broken\n[Service]\n"
                + "ExecStart=/opt/otpi/bin/does-not-exist\nNoNewPrivilegs=yes\n");
        try {
            Proc result = verify(broken);
            assertNotEquals(0, result.exitCode, result.toString());
            assertTrue(result.output.contains("NoNewPrivilegs"), result.toString());
        } finally {
            Files.delete(broken);
        }
    }

    @Test
    void everyService_isHardened() throws Exception {
        int services = 0;
        for (Path path : ImagePaths.unitFiles()) {
            if (!path.toString().endsWith(".service")) {
                continue;
            }
            services++;
            UnitFile unit = UnitFile.read(path);
            String name = unit.name();
            assertEquals("yes", unit.get("Service", "NoNewPrivileges"), name);
            assertEquals("strict", unit.get("Service", "ProtectSystem"), name);
            assertEquals("yes", unit.get("Service", "PrivateTmp"), name);
            assertEquals("yes", unit.get("Service", "RestrictSUIDSGID"), name);
            assertEquals("yes", unit.get("Service", "ProtectKernelModules"), name);
            assertEquals("native", unit.get("Service", "SystemCallArchitectures"), name);
            assertNotNull(unit.get("Service", "SystemCallFilter"), name);
            assertNotNull(unit.get("Service", "RestrictAddressFamilies"), name);

            String bounding = unit.get("Service", "CapabilityBoundingSet");
            assertNotNull(bounding, name + " must set CapabilityBoundingSet");
            Set<String> caps = new TreeSet<>(Arrays.asList(bounding.split("\\s+")));
            caps.remove("");
            assertEquals(ALLOWED_CAPS.getOrDefault(name, Set.of()), caps, name + " capabilities");
            String ambient = unit.get("Service", "AmbientCapabilities");
            Set<String> ambientCaps = ambient == null ? Set.of()
                    : Arrays.stream(ambient.split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
            assertTrue(caps.containsAll(ambientCaps), name + " ambient outside bounding set");

            String user = unit.get("Service", "User");
            if (ROOT_SERVICES.contains(name)) {
                assertEquals(null, user, name);
            } else {
                assertNotNull(user, name + " must run as its own user");
                assertTrue(user.startsWith("otpi"), name + " runs as " + user);
            }
        }
        assertTrue(services >= 7, "services checked: " + services);
    }

    @Test
    void mounts_areNosuidNodevNoexec() throws Exception {
        int mounts = 0;
        for (Path path : ImagePaths.unitFiles()) {
            if (!path.toString().endsWith(".mount")) {
                continue;
            }
            mounts++;
            UnitFile unit = UnitFile.read(path);
            Set<String> options = Set.of(unit.get("Mount", "Options").split(","));
            assertTrue(options.containsAll(Set.of("nosuid", "nodev", "noexec")), unit.name() + ": " + options);
        }
        assertEquals(3, mounts);
        UnitFile usb = UnitFile.read(ImagePaths.units().resolve("media-otpi\\x2dusb.mount"));
        assertEquals("/dev/disk/by-label/OTPI-USB", usb.get("Mount", "What"));
        assertTrue(Set.of(usb.get("Mount", "Options").split(",")).containsAll(Set.of("uid=470", "gid=470", "umask=0077")),
                "the stick belongs to otpi alone");
        UnitFile vault = UnitFile.read(ImagePaths.units().resolve("media-otpi\\x2dvault.mount"));
        assertEquals("/dev/disk/by-label/OTPI-VAULT", vault.get("Mount", "What"));
        assertEquals("/media/otpi-vault", vault.get("Mount", "Where"));
        UnitFile state = UnitFile.read(ImagePaths.units().resolve("var-lib-otpi.mount"));
        assertEquals("/var/lib/otpi", state.get("Mount", "Where"));
    }

    @Test
    void exposureScores_areLowAndRecorded() throws Exception {
        Map<String, Double> scores = new TreeMap<>();
        StringBuilder report = new StringBuilder("# systemd-analyze security --offline=true (exposure, 0 = best, 10 = worst)\n");
        for (Path path : ImagePaths.unitFiles()) {
            String name = path.getFileName().toString();
            if (!name.endsWith(".service")) {
                continue;
            }
            String instance = name.endsWith("@.service") ? name.replace("@.service", "@site.service") : name;
            Proc result = Proc.run(root, Map.of("SYSTEMD_LOG_COLOR", "0"), Proc.cmd("systemd-analyze", "security",
                    "--offline=true", "--no-pager", "--root=" + root, instance), 120);
            Matcher m = EXPOSURE.matcher(result.output);
            assertTrue(m.find(), "no exposure line for " + instance + ": " + result);
            double score = Double.parseDouble(m.group(2));
            scores.put(name, score);
            report.append(String.format(Locale.ROOT, "%-28s %4.1f %s%n", name, score, m.group(3)));
        }
        Path out = ImagePaths.module().resolve("target/systemd-security.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, report.toString());
        System.out.print(report);
        assertTrue(scores.size() >= 7, scores.toString());
        // A plain "Type=simple, User=root" service scores 9.6 UNSAFE; ours must stay OK or better.
        scores.forEach((name, score) -> assertTrue(score <= 2.5, name + " exposure " + score));
    }
}
