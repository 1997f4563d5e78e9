package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** shellcheck over every script, and the image's small scripts run for real in a temp dir. */
class ShellScriptsTest {

    /** Every *.sh and every file starting with a shell shebang in image-build and udev. */
    static List<Path> scripts() throws IOException {
        List<Path> result = new ArrayList<>();
        for (Path base : List.of(ImagePaths.module().resolve("src"), ImagePaths.repo().resolve("udev/src"))) {
            if (!Files.isDirectory(base)) {
                continue;
            }
            try (Stream<Path> s = Files.walk(base)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().collect(Collectors.toList())) {
                    if (p.toString().endsWith(".sh") || isShellShebang(p)) {
                        result.add(p);
                    }
                }
            }
        }
        return result;
    }

    private static boolean isShellShebang(Path p) throws IOException {
        byte[] head = new byte[64];
        int n;
        try (var in = Files.newInputStream(p)) {
            n = in.read(head);
        }
        if (n < 2) {
            return false;
        }
        String first = new String(head, 0, n, StandardCharsets.ISO_8859_1).split("\n", 2)[0];
        return first.matches("#!\\s*/(usr/)?bin/(env )?(ba|da)?sh\\b.*");
    }

    @Test
    void shellcheck_passesOnEveryScript() throws Exception {
        assumeTrue(Proc.available("shellcheck"), "shellcheck not installed");
        List<Path> scripts = scripts();
        Set<String> names = scripts.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertTrue(names.containsAll(Set.of("build-image.sh", "assemble-image.sh", "configure-root.sh",
                "boot-qemu.sh", "otpi-gadget.sh", "otpi-firstboot.sh", "otpi-vault-prepare.sh", "otpi-appliance", "otpi-kiosk",
                "otpi-overlayroot")), "scripts found: " + names);
        List<String> command = Proc.cmd("shellcheck", "--external-sources", "--severity=style");
        scripts.forEach(p -> command.add(p.toString()));
        Proc result = Proc.run(command);
        assertEquals(0, result.exitCode, result.toString());
    }

    @Test
    void shellcheck_rejectsABadScript(@TempDir Path tmp) throws Exception {
        assumeTrue(Proc.available("shellcheck"), "shellcheck not installed");
        Path bad = tmp.resolve("bad.sh");
        Files.writeString(bad, "#!/bin/sh\nrm -rf $1/*\n");
        Proc result = Proc.run("shellcheck", bad.toString());
        assertNotEquals(0, result.exitCode, result.toString());
        assertTrue(result.output.contains("SC2086"), result.toString());
    }

    private static Path rootfsFile(String relative) {
        return ImagePaths.rootfs().resolve(relative);
    }

    @Test
    void gadgetScript_buildsBothFunctionsWithTheMacsTheUdevRulesMatch(@TempDir Path tmp) throws Exception {
        Path configfs = tmp.resolve("usb_gadget");
        Path udc = tmp.resolve("udc");
        Files.createDirectories(configfs);
        Files.createDirectories(udc.resolve("fe980000.usb"));
        Map<String, String> env = Map.of("OTPI_GADGET_ROOT", configfs.toString(), "OTPI_UDC_CLASS", udc.toString());
        Path script = rootfsFile("usr/lib/otpi/otpi-gadget.sh");

        Proc up = Proc.run(null, env, Proc.cmd("sh", script, "up"), 30);
        assertEquals(0, up.exitCode, up.toString());
        Path g = configfs.resolve("otpi");
        assertEquals("0x1d6b", read(g.resolve("idVendor")));
        assertEquals("fe980000.usb", read(g.resolve("UDC")));
        assertEquals("RNDIS", read(g.resolve("functions/rndis.usb0/os_desc/interface.rndis/compatible_id")));
        assertTrue(Files.isSymbolicLink(g.resolve("configs/c.1/rndis.usb0")));
        assertTrue(Files.isSymbolicLink(g.resolve("configs/c.2/ecm.usb0")));
        assertTrue(Files.isSymbolicLink(g.resolve("os_desc/c.1")));

        // The udev rule names interfaces by these device-side MACs: they must agree.
        String rules = Files.readString(ImagePaths.udevRules().resolve("70-otpi-gadget-net.rules"));
        assertEquals("otpiusb0", nameFor(rules, read(g.resolve("functions/ecm.usb0/dev_addr"))));
        assertEquals("otpiusb1", nameFor(rules, read(g.resolve("functions/rndis.usb0/dev_addr"))));
        String ports = Files.readString(rootfsFile("etc/systemd/network/11-otpi-gadget-ports.network"));
        assertTrue(ports.contains("Name=otpiusb0 otpiusb1") && ports.contains("Bridge=otpi0"), ports);

        Proc again = Proc.run(null, env, Proc.cmd("sh", script, "up"), 30);
        assertEquals(0, again.exitCode, again.toString());

        Proc down = Proc.run(null, env, Proc.cmd("sh", script, "down"), 30);
        assertEquals(0, down.exitCode, down.toString());
        // On a plain directory rmdir cannot remove attribute files; configfs can.
        assertFalse(Files.exists(g.resolve("configs/c.2/ecm.usb0")), "links removed");
    }

    @Test
    void gadgetScript_failsWithoutAController_andRecoversWhenOneAppears(@TempDir Path tmp) throws Exception {
        Map<String, String> env = Map.of("OTPI_GADGET_ROOT", tmp.resolve("g").toString(),
                "OTPI_UDC_CLASS", tmp.resolve("no-udc").toString());
        Proc up = Proc.run(null, env, Proc.cmd("sh", rootfsFile("usr/lib/otpi/otpi-gadget.sh"), "up"), 30);
        assertNotEquals(0, up.exitCode, up.toString());
        assertTrue(up.output.contains("no USB device controller"), up.toString());

        // A later start, once the controller is there, must not take the half-built
        // gadget for a working one.
        Files.createDirectories(tmp.resolve("no-udc/fe980000.usb"));
        Proc retry = Proc.run(null, env, Proc.cmd("sh", rootfsFile("usr/lib/otpi/otpi-gadget.sh"), "up"), 30);
        assertEquals(0, retry.exitCode, retry.toString());
        assertEquals("fe980000.usb", read(tmp.resolve("g/otpi/UDC")));
        assertTrue(Files.isSymbolicLink(tmp.resolve("g/otpi/configs/c.2/ecm.usb0")));
    }

    private static String nameFor(String rules, String mac) {
        Matcher m = Pattern.compile("ATTR\\{address\\}==\"" + Pattern.quote(mac) + "\", NAME=\"([^\"]+)\"").matcher(rules);
        return m.find() ? m.group(1) : null;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).strip();
    }

    @Test
    void vaultPrepare_givesTheTopDirectoryToTheAppliance_only(@TempDir Path tmp) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chown needs root");
        Path medium = Files.createDirectory(tmp.resolve("medium"));
        Path inside = Files.writeString(medium.resolve("vault.hdr"), "x");
        Map<String, String> env = Map.of("OTPI_VAULT_OWNER", "nobody");
        Path script = rootfsFile("usr/lib/otpi/otpi-vault-prepare.sh");

        Proc run = Proc.run(null, env, Proc.cmd("sh", script, medium), 30);
        assertEquals(0, run.exitCode, run.toString());
        assertEquals("nobody", Files.getOwner(medium).getName());
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(medium));
        assertEquals("root", Files.getOwner(inside).getName(), "files inside are not touched");

        Path link = Files.createSymbolicLink(tmp.resolve("link"), inside);
        Proc refused = Proc.run(null, env, Proc.cmd("sh", script, link), 30);
        assertNotEquals(0, refused.exitCode, refused.toString());
        assertEquals("root", Files.getOwner(inside).getName(), "a symlink is never followed");
    }

    @Test
    void firstboot_createsASecretOnceWithMode0600(@TempDir Path state) throws Exception {
        Map<String, String> env = Map.of("OTPI_DEFAULTS", rootfsFile("usr/share/otpi").toString());
        Path script = rootfsFile("usr/lib/otpi/otpi-firstboot.sh");
        Proc first = Proc.run(null, env, Proc.cmd("sh", script, state), 30);
        assertEquals(0, first.exitCode, first.toString());
        Path secret = state.resolve("device.secret");
        byte[] bytes = Files.readAllBytes(secret);
        assertEquals(32, bytes.length);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(secret));
        assertTrue(Files.exists(state.resolve("config/appliance.conf")));
        assertTrue(Files.isDirectory(state.resolve("config/tunnel")));

        Proc second = Proc.run(null, env, Proc.cmd("sh", script, state), 30);
        assertEquals(0, second.exitCode, second.toString());
        assertArrayEquals(bytes, Files.readAllBytes(secret), "an existing secret is never replaced");
        try (Stream<Path> s = Files.list(state)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".device.secret"))
                    .collect(Collectors.toList()), "no temporary file left");
        }

        Files.write(secret, new byte[5]);
        Proc truncated = Proc.run(null, env, Proc.cmd("sh", script, state), 30);
        assertNotEquals(0, truncated.exitCode, "a damaged secret must stop the boot of the appliance");
    }

    @Test
    void launchers_runTheirMainClassWithTheLibClasspath(@TempDir Path tmp) throws Exception {
        Path fakeJava = tmp.resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
        Files.setPosixFilePermissions(fakeJava, Set.of(PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_EXECUTE));
        Files.createDirectories(tmp.resolve("home/lib"));
        Files.writeString(tmp.resolve("home/lib/a.jar"), "");
        Map<String, String> mains = Map.of(
                "otpi-appliance", "org.otpi.appliance.ApplianceMain",
                "otpi-admin", "org.otpi.appliance.admin.AdminMain",
                "otpi-tunnel", "org.otpi.appliance.tunnel.TunnelMain",
                "otpi-kiosk", "org.otpi.kiosk.KioskLauncher");
        for (var e : mains.entrySet()) {
            Map<String, String> env = Map.of("OTPI_JAVA", fakeJava.toString(), "TMPDIR", "/tmp/private",
                    "OTPI_HOME", tmp.resolve("home").toString(), "OTPI_JAVA_OPTS", "-Xmx64m -Dx=y");
            Proc run = Proc.run(tmp, env, Proc.cmd(rootfsFile("opt/otpi/bin/" + e.getKey()), "serve", "a b"), 30);
            assertEquals(0, run.exitCode, run.toString());
            // JNA unpacks its native part into the service's private /tmp, not the noexec state partition.
            assertEquals("[-Djna.tmpdir=/tmp/private][-Xmx64m][-Dx=y][-cp][" + tmp.resolve("home") + "/lib/*][" + e.getValue() + "][serve][a b]",
                    run.output.strip(), e.getKey());
        }
    }
}
