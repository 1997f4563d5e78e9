package org.otpi.udev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules through the real {@code udevadm test} of this machine's udev, in a private
 * mount and network namespace: our rules sit in a private /run/udev/rules.d, the
 * image's groups are added to a private /etc/group, and a veth device with the
 * gadget's MAC address is really renamed. (systemd 252 has no {@code udevadm verify};
 * where a newer udev has it, the parse check below is what it does.)
 */
class UdevadmTest {

    private static String sandbox(Path tmp, String inner) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for namespaces");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/udevadm")) || Files.isExecutable(Path.of("/bin/udevadm")),
                "udevadm not installed");
        Path rules = Files.createDirectories(tmp.resolve("rules.d"));
        for (Path file : UdevRulesTest.ruleFiles()) {
            Files.copy(file, rules.resolve(file.getFileName()));
        }
        Path group = tmp.resolve("group");
        Files.writeString(group, Files.readString(Path.of("/etc/group"))
                + "otpi:x:470:\notpi-ui:x:471:\notpi-kiosk:x:472:\n");
        String script = String.join(" && ",
                "mkdir -p /run/udev",
                "mount -t tmpfs tmpfs /run/udev",
                "mkdir -p /run/udev/rules.d",
                "mount --bind '" + rules + "' /run/udev/rules.d",
                "mount --bind '" + group + "' /etc/group",
                "mount -t sysfs sysfs /sys",
                inner);
        Process p = new ProcessBuilder("unshare", "--mount", "--net", "--propagation", "private",
                "sh", "-c", script).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "udevadm timed out");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static List<String> complaintsAbout(String output, String fileMarker) {
        return output.lines()
                .filter(l -> l.contains(fileMarker) && !l.startsWith("Reading rules file"))
                .collect(Collectors.toList());
    }

    @Test
    void udevadm_parsesEveryRuleWithoutComplaint(@TempDir Path tmp) throws Exception {
        String out = sandbox(tmp, "udevadm test --action=add /sys/class/net/lo 2>&1");
        for (Path file : UdevRulesTest.ruleFiles()) {
            assertTrue(out.contains("Reading rules file: /run/udev/rules.d/" + file.getFileName()),
                    file + " not read:\n" + out);
        }
        assertEquals(List.of(), complaintsAbout(out, "-otpi-"), out);
    }

    @Test
    void udevadm_reportsABrokenRule(@TempDir Path tmp) throws Exception {
        // Control: the parse check must be able to fail.
        Path extra = Files.createDirectories(tmp.resolve("extra"));
        Files.writeString(extra.resolve("99-otpi-broken.rules"),
                "SUBSYSTEM==\"net\", ATTRS{idVendor}=\"04d8\", FOO{x}==\"1\"\nKERNEL==\"lo\", NAME=\"unterminated\n");
        String out = sandbox(tmp, "cp '" + extra + "/99-otpi-broken.rules' /run/udev/rules.d/"
                + " && udevadm test --action=add /sys/class/net/lo 2>&1");
        List<String> complaints = complaintsAbout(out, "99-otpi-broken.rules");
        assertTrue(complaints.size() >= 2, out);
    }

    @Test
    void gadgetMac_isRenamedToOtpiusb0_byTheRealUdev(@TempDir Path tmp) throws Exception {
        String out = sandbox(tmp, String.join(" && ",
                "ip link add gadgettest type veth peer name othertest",
                "ip link set gadgettest address 02:0e:70:69:00:01",
                "ip link set othertest address 02:0e:70:69:00:02",
                "udevadm test --action=add /sys/class/net/gadgettest 2>&1",
                "udevadm test --action=add /sys/class/net/othertest 2>&1",
                "ip -o link show"));
        assertTrue(out.contains("renamed from 'gadgettest' to 'otpiusb0'"), out);
        assertTrue(out.contains("OTPI_GADGET=ecm"), out);
        assertTrue(out.contains(": othertest@otpiusb0:") || out.contains(" othertest@"), "the host-side MAC keeps its name:\n" + out);
    }

}
