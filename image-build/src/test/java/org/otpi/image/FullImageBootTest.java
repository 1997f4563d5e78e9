package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Slow (about an hour on a 2-vCPU machine, most of it arm64 emulation): the full image
 * build from Debian packages with the jars of {@code target/image-lib}, then a boot of its
 * kernel and root filesystem under qemu-system-aarch64 until the appliance's health endpoint
 * answers through the emulated laptop link and systemd reports the OTPi units. Run with
 * {@code ./mvnw -B -pl image-build -am verify -Potpi-slow -Dtest=FullImageBootTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (the jars are collected at {@code package}, so the
 * test runs them from a previous package run: {@code ./mvnw -B -DskipTests package} first).
 *
 * <p>{@code -Dotpi.image.work=DIR} keeps the build's trees in DIR; with
 * {@code -Dotpi.image.reuseRoot=true} a tree left there is finished instead of bootstrapped
 * again (minutes instead of an hour, for development).
 */
@Tag("slow")
class FullImageBootTest {

    @Test
    void fullImage_buildsAndBootsToTheOtpiUnits() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image build needs root");
        for (String tool : new String[] {"mmdebstrap", "qemu-system-aarch64", "qemu-img", "mcopy", "sfdisk"}) {
            assumeTrue(Proc.available(tool), tool + " not installed");
        }
        assumeTrue(Proc.available("curl"), "curl not installed");
        Path target = ImagePaths.module().resolve("target");
        assumeTrue(Files.isDirectory(target.resolve("image-lib")), "no target/image-lib: run ./mvnw -B -DskipTests package");
        Path image = target.resolve("otpi-arm64.img");
        List<Object> args = new ArrayList<>(List.of(ImagePaths.scripts().resolve("build-image.sh"), "--out", image));
        String work = System.getProperty("otpi.image.work", "");
        if (!work.isBlank()) {
            args.addAll(List.of("--work", work));
            if (Boolean.getBoolean("otpi.image.reuseRoot")) {
                args.add("--reuse-root");
            }
        }
        Proc build = Proc.run(null, Map.of(), Proc.cmd(args.toArray()), 4 * 3600);
        Files.writeString(target.resolve("build-image.log"), build.output);
        assertEquals(0, build.exitCode, build.toString());
        assertTrue(Files.size(image) > 500L * 1024 * 1024, "image size " + Files.size(image));

        Proc boot = Proc.run(null, Map.of(), Proc.cmd(ImagePaths.scripts().resolve("boot-qemu.sh"), image,
                "--timeout", 1800, "--log", target.resolve("qemu-console.log")), 2 * 3600);
        Files.writeString(target.resolve("qemu-boot.log"), boot.output);
        assertEquals(0, boot.exitCode, boot.toString());
        // Health answered through the laptop link: a fresh device, no vault on a medium yet.
        assertTrue(boot.output.matches("(?s).*api/v1/health answered after \\d+s: \\{.*\"status\".*"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT otpi-appliance.service active running"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT var-lib-otpi.mount active mounted"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT otpi-firstboot.service active exited"), boot.output);
        assertFalse(boot.output.contains("OTPI-FAILED "), boot.output);
        // The emulated sticks: udev by label, the mounts, the vault medium handed to otpi.
        assertTrue(boot.output.contains("OTPI-UNIT media-otpi\\x2dvault.mount active mounted"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT otpi-vault-attached.service active exited"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT media-otpi\\x2dusb.mount active mounted"), boot.output);
        assertTrue(boot.output.contains("OTPI-MEDIUM /media/otpi-vault otpi:otpi 700 ext4"), boot.output);
    }
}
