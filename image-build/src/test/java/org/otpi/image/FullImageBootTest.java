package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Slow (about an hour on a 2-vCPU machine, most of it arm64 emulation): the full image
 * build from Debian packages, then a boot of its kernel and root filesystem under
 * qemu-system-aarch64 until systemd reports the OTPi units. Run with
 * {@code ./mvnw -B -pl image-build test -Potpi-slow -Dtest=FullImageBootTest}.
 */
@Tag("slow")
class FullImageBootTest {

    @Test
    void fullImage_buildsAndBootsToTheOtpiUnits() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image build needs root");
        for (String tool : new String[] {"mmdebstrap", "qemu-system-aarch64", "qemu-img", "mcopy", "sfdisk"}) {
            assumeTrue(Proc.available(tool), tool + " not installed");
        }
        Path target = ImagePaths.module().resolve("target");
        Path image = target.resolve("otpi-arm64.img");
        Proc build = Proc.run(null, Map.of(), Proc.cmd(ImagePaths.scripts().resolve("build-image.sh"),
                "--out", image), 4 * 3600);
        Files.writeString(target.resolve("build-image.log"), build.output);
        assertEquals(0, build.exitCode, build.toString());
        assertTrue(Files.size(image) > 500L * 1024 * 1024, "image size " + Files.size(image));

        Proc boot = Proc.run(null, Map.of(), Proc.cmd(ImagePaths.scripts().resolve("boot-qemu.sh"), image,
                "--timeout", 1800, "--log", target.resolve("qemu-console.log")), 2 * 3600);
        assertEquals(0, boot.exitCode, boot.toString());
        assertTrue(boot.output.contains("OTPI-UNIT var-lib-otpi.mount active mounted"), boot.output);
        assertTrue(boot.output.contains("OTPI-UNIT otpi-firstboot.service active exited"), boot.output);
    }
}
