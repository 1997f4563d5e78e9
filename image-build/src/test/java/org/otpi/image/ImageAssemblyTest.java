package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Assembles a disk image from a tiny synthetic root filesystem with the real
 * assemble-image.sh (mkfs.vfat + mcopy, mke2fs -d, sfdisk, dd; no loop mounts), then
 * reads the partition table and files back with sfdisk, mtools and debugfs.
 */
class ImageAssemblyTest {
    private static final Pattern PART = Pattern.compile(
            "\"node\":\\s*\"[^\"]+\",\\s*\"start\":\\s*(\\d+),\\s*\"size\":\\s*(\\d+),\\s*\"type\":\\s*\"(\\w+)\"(,\\s*\"bootable\":\\s*true)?");

    record Partition(long start, long size, String type, boolean bootable) {
    }

    @Test
    void tinyRoot_assemblesIntoBootRootAndStatePartitions(@TempDir Path tmp) throws Exception {
        for (String tool : List.of("mkfs.vfat", "mcopy", "mtype", "mke2fs", "debugfs", "sfdisk")) {
            assumeTrue(Proc.available(tool), tool + " not installed");
        }
        Path boot = tmp.resolve("boot");
        Path root = tmp.resolve("root");
        Path state = tmp.resolve("state");
        Files.createDirectories(boot.resolve("overlays"));
        Files.writeString(boot.resolve("config.txt"), "arm_64bit=1\nupstream_kernel=1\n");
        Files.writeString(boot.resolve("cmdline.txt"), "root=LABEL=OTPI-ROOT ro otpi.overlayroot=1\n");
        Files.writeString(boot.resolve("overlays/README"), "overlays\n");
        Files.createDirectories(root.resolve("etc"));
        Files.createDirectories(root.resolve("var/lib/otpi"));
        Files.writeString(root.resolve("etc/hostname"), "otpi\n");
        Path secretish = root.resolve("etc/private.conf");
        Files.writeString(secretish, "only root\n");
        Files.setPosixFilePermissions(secretish, PosixFilePermissions.fromString("rw-------"));
        Files.createDirectories(root.resolve("usr/lib/systemd/system"));
        Files.copy(ImagePaths.units().resolve("otpi-appliance.service"),
                root.resolve("usr/lib/systemd/system/otpi-appliance.service"));
        Files.createDirectories(state.resolve("clock"));
        Path out = tmp.resolve("otpi.img");

        Proc assemble = Proc.run(null, Map.of("TMPDIR", tmp.toString()), Proc.cmd(
                ImagePaths.scripts().resolve("assemble-image.sh"), "--boot", boot, "--root", root,
                "--state", state, "--out", out, "--boot-mib", 40, "--state-mib", 8), 300);
        assertEquals(0, assemble.exitCode, assemble.toString());

        // Partition table: MBR, p1 FAT (0x0c, bootable) at 4 MiB, p2 and p3 Linux, in order, 1 MiB aligned.
        Proc json = Proc.run("sfdisk", "-J", out.toString());
        assertEquals(0, json.exitCode, json.toString());
        assertTrue(json.output.contains("\"label\": \"dos\"") || json.output.contains("\"label\":\"dos\""), json.output);
        assertTrue(json.output.contains("0x4f545069"), "disk id: " + json.output);
        List<Partition> parts = new ArrayList<>();
        Matcher m = PART.matcher(json.output);
        while (m.find()) {
            parts.add(new Partition(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), m.group(3), m.group(4) != null));
        }
        assertEquals(3, parts.size(), json.output);
        assertEquals(new Partition(8192, 40 * 2048, "c", true), parts.get(0));
        assertEquals("83", parts.get(1).type());
        assertEquals(parts.get(0).start() + parts.get(0).size(), parts.get(1).start());
        assertEquals(new Partition(parts.get(1).start() + parts.get(1).size(), 8 * 2048, "83", false), parts.get(2));
        assertTrue(Files.size(out) >= (parts.get(2).start() + parts.get(2).size()) * 512);
        Proc dump = Proc.run("sfdisk", "--dump", out.toString());
        assertTrue(dump.output.contains("start=        8192"), dump.output);

        // Boot partition: read files back through mtools at the partition's offset.
        String fat = out + "@@" + parts.get(0).start() * 512;
        Proc config = Proc.run("mtype", "-i", fat, "::/config.txt");
        assertEquals(0, config.exitCode, config.toString());
        assertTrue(config.output.contains("upstream_kernel=1"), config.output);
        Proc nested = Proc.run("mtype", "-i", fat, "::/overlays/README");
        assertEquals("overlays", nested.output.strip());
        Proc label = Proc.run("minfo", "-i", fat, "::");
        assertTrue(label.output.contains("OTPI-BOOT"), label.output);

        // Root and state: cut the partitions out with dd and read them with debugfs.
        Path rootImg = extract(out, parts.get(1), tmp.resolve("p2.img"));
        Path stateImg = extract(out, parts.get(2), tmp.resolve("p3.img"));
        assertEquals("otpi", debugfs(rootImg, "cat /etc/hostname").strip());
        assertTrue(debugfs(rootImg, "cat /usr/lib/systemd/system/otpi-appliance.service").contains("ProtectSystem=strict"));
        String stat = debugfs(rootImg, "stat /etc/private.conf");
        assertTrue(stat.contains("Mode:  0600") || stat.contains("Mode: 0600"), "mode kept: " + stat);
        assertTrue(dumpe2fsLabel(rootImg).equals("OTPI-ROOT"));
        assertTrue(dumpe2fsLabel(stateImg).equals("OTPI-STATE"));
        String stateRoot = debugfs(stateImg, "stat /");
        assertTrue(stateRoot.matches("(?s).*User:\\s+470\\s+Group:\\s+470.*"), "state root owned by otpi: " + stateRoot);
        assertTrue(debugfs(stateImg, "ls -l /").contains("clock"));
    }

    private static Path extract(Path image, Partition p, Path to) throws Exception {
        Proc dd = Proc.run("dd", "if=" + image, "of=" + to, "bs=512", "skip=" + p.start(), "count=" + p.size(),
                "status=none");
        assertEquals(0, dd.exitCode, dd.toString());
        return to;
    }

    private static String debugfs(Path fs, String request) throws Exception {
        Proc r = Proc.run(null, Map.of(), Proc.cmd("debugfs", "-R", request, fs), 60);
        assertEquals(0, r.exitCode, r.toString());
        return r.output.replaceFirst("^debugfs [^\n]*\n", "");
    }

    private static String dumpe2fsLabel(Path fs) throws Exception {
        Proc r = Proc.run("dumpe2fs", "-h", fs.toString());
        Matcher m = Pattern.compile("Filesystem volume name:\\s+(\\S+)").matcher(r.output);
        return m.find() ? m.group(1) : "";
    }
}
