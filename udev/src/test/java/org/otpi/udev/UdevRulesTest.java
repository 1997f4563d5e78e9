package org.otpi.udev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.udev.RuleEvaluator.Device;
import org.otpi.udev.RuleEvaluator.Node;

/** The OTPi udev rules against synthetic devices (see {@link RuleEvaluator}). */
class UdevRulesTest {
    private static RuleEvaluator rules;

    static Path rulesDir() {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath()
                .resolve("src/main/rules");
    }

    static List<Path> ruleFiles() throws IOException {
        try (Stream<Path> s = Files.list(rulesDir())) {
            return s.filter(p -> p.toString().endsWith(".rules")).sorted().toList();
        }
    }

    @BeforeAll
    static void load() throws IOException {
        rules = new RuleEvaluator(ruleFiles());
    }

    private static Node usbDevice(String vendor, String product, String productName) {
        return new Node("usb", "1-1.3", "usb", Map.of("idVendor", vendor, "idProduct", product,
                "product", productName, "manufacturer", "maker", "serial", "0001"));
    }

    private static Device acmTty(String action, String vendor, String product, String productName) {
        return new Device(action, Map.of(),
                new Node("tty", "ttyACM0", null, Map.of("dev", "166:0")),
                new Node("usb", "1-1.3:1.0", "cdc_acm", Map.of("bInterfaceClass", "02")),
                usbDevice(vendor, product, productName));
    }

    private static void assertHrng(Device d, String model, String driver) {
        assertEquals(Set.of("otpi-hrng"), d.symlinks, "symlink");
        assertEquals("root", d.owner);
        assertEquals("otpi", d.group);
        assertEquals("0660", d.mode);
        assertTrue(d.tags.contains("systemd"));
        assertEquals(Set.of("otpi-entropy.service"), d.envList("SYSTEMD_WANTS"));
        assertEquals(model, d.env.get("OTPI_HRNG_MODEL"));
        assertEquals(driver, d.env.get("OTPI_HRNG_DRIVER"));
    }

    private static void assertNotHrng(Device d) {
        assertFalse(d.symlinks.contains("otpi-hrng"), "must not be named otpi-hrng: " + d.env);
        assertFalse(d.envList("SYSTEMD_WANTS").contains("otpi-entropy.service"));
        assertTrue(d.run.isEmpty(), "no stty on foreign devices");
    }

    @Test
    void serialHrngs_areNamedRawAndStartTheFeeder() {
        Object[][] table = {
            {"04d8", "f5fe", "TrueRNG", "TrueRNG"},
            {"04d8", "f5fe", "TrueRNG V3", "TrueRNG"},
            {"16d0", "0aa0", "TrueRNGpro", "TrueRNGpro"},
            {"04d8", "ebb5", "TrueRNGpro V2", "TrueRNGproV2"},
            {"1d50", "6086", "00", "OneRNG"},
        };
        for (Object[] row : table) {
            Device d = rules.apply(acmTty("add", (String) row[0], (String) row[1], (String) row[2]));
            assertHrng(d, (String) row[3], "serial");
            assertEquals(1, d.run.size(), d.run.toString());
            assertTrue(d.run.get(0).startsWith("/usr/bin/stty -F /dev/ttyACM0 raw -echo"), d.run.toString());
            assertEquals("1", d.env.get("ID_MM_DEVICE_IGNORE"));
        }
    }

    @Test
    void otherDevicesOnSharedVendorIds_areLeftAlone() {
        assertNotHrng(rules.apply(acmTty("add", "04d8", "000a", "CDC RS-232 Emulation Demo")));
        assertNotHrng(rules.apply(acmTty("add", "04d8", "f5fe", "Some other product")));
        assertNotHrng(rules.apply(acmTty("add", "16d0", "0aa0", "Gadget")));
        assertNotHrng(rules.apply(acmTty("add", "1d50", "6087", "OpenMoko something")));
        assertNotHrng(rules.apply(acmTty("remove", "04d8", "f5fe", "TrueRNG")));
    }

    @Test
    void infiniteNoise_namesTheUsbDeviceForLibftdi() {
        Device d = rules.apply(new Device("add", Map.of("DEVTYPE", "usb_device"),
                usbDevice("0403", "6015", "Infinite Noise TRNG")));
        assertHrng(d, "InfiniteNoise", "infnoise");
        assertTrue(d.run.isEmpty(), "a USB device node is not a tty: no stty");

        // A generic FT240X cable, and the ftdi_sio tty of the TRNG itself, are not HRNGs.
        assertNotHrng(rules.apply(new Device("add", Map.of("DEVTYPE", "usb_device"),
                usbDevice("0403", "6015", "FT240X USB FIFO"))));
        assertNotHrng(rules.apply(new Device("add", Map.of(),
                new Node("tty", "ttyUSB0", null, Map.of()),
                new Node("usb", "1-1.3:1.0", "ftdi_sio", Map.of()),
                usbDevice("0403", "6015", "Infinite Noise TRNG"))));
        // The interface (not the device) of the TRNG does not get the name either.
        assertNotHrng(rules.apply(new Device("add", Map.of("DEVTYPE", "usb_interface"),
                new Node("usb", "1-1.3:1.0", "ftdi_sio", Map.of()), usbDevice("0403", "6015", "Infinite Noise TRNG"))));
    }

    @Test
    void vaultMedium_byLabel_pullsInItsMountUnit() {
        Device vault = rules.apply(new Device("add", Map.of("ID_FS_LABEL", "OTPI-VAULT", "ID_FS_TYPE", "ext4",
                "DEVTYPE", "partition"), new Node("block", "sda1", null, Map.of())));
        assertEquals(Set.of("media-otpi\\x2dvault.mount"), vault.envList("SYSTEMD_WANTS"));
        assertTrue(vault.tags.contains("systemd"));
        assertEquals("1", vault.env.get("UDISKS_IGNORE"));
        assertEquals("1", vault.env.get("OTPI_VAULT"));

        for (String label : new String[] {"OTPI-VAULT2", "otpi-vault", "BACKUP"}) {
            Device other = rules.apply(new Device("add", Map.of("ID_FS_LABEL", label),
                    new Node("block", "sdb1", null, Map.of())));
            assertTrue(other.envList("SYSTEMD_WANTS").isEmpty(), label);
            assertNull(other.env.get("UDISKS_IGNORE"), label);
        }
        Device change = rules.apply(new Device("change", Map.of("ID_FS_LABEL", "OTPI-VAULT"),
                new Node("block", "sda1", null, Map.of())));
        assertEquals(Set.of("media-otpi\\x2dvault.mount"), change.envList("SYSTEMD_WANTS"), "re-plug/change events too");
    }

    @Test
    void exchangeMedium_fatByLabel_pullsInItsMountUnit_andNothingElseDoes() {
        Device usb = rules.apply(new Device("add", Map.of("ID_FS_LABEL", "OTPI-USB", "ID_FS_TYPE", "vfat",
                "DEVTYPE", "partition"), new Node("block", "sdb1", null, Map.of())));
        assertEquals(Set.of("media-otpi\\x2dusb.mount"), usb.envList("SYSTEMD_WANTS"));
        assertEquals("1", usb.env.get("UDISKS_IGNORE"));
        assertNull(usb.env.get("OTPI_VAULT"), "not the vault");

        // The mount unit uses FAT's uid= option: an ext4 stick with that label is left alone.
        Device ext4 = rules.apply(new Device("add", Map.of("ID_FS_LABEL", "OTPI-USB", "ID_FS_TYPE", "ext4"),
                new Node("block", "sdb1", null, Map.of())));
        assertTrue(ext4.envList("SYSTEMD_WANTS").isEmpty());
        Device removed = rules.apply(new Device("remove", Map.of("ID_FS_LABEL", "OTPI-USB", "ID_FS_TYPE", "vfat"),
                new Node("block", "sdb1", null, Map.of())));
        assertTrue(removed.envList("SYSTEMD_WANTS").isEmpty());
        Device vault = rules.apply(new Device("add", Map.of("ID_FS_LABEL", "OTPI-VAULT", "ID_FS_TYPE", "vfat"),
                new Node("block", "sdc1", null, Map.of())));
        assertEquals(Set.of("media-otpi\\x2dvault.mount"), vault.envList("SYSTEMD_WANTS"), "labels do not mix");
    }

    @Test
    void wantedUnits_existInTheImage() throws IOException {
        Path units = rulesDir().getParent().getParent().getParent().getParent()
                .resolve("image-build/src/main/rootfs/usr/lib/systemd/system");
        for (Path file : ruleFiles()) {
            for (String line : Files.readAllLines(file)) {
                java.util.regex.Matcher m = java.util.regex.Pattern
                        .compile("SYSTEMD_WANTS\\}\\+?=\"([^\"]+)\"").matcher(line);
                while (m.find()) {
                    assertTrue(Files.exists(units.resolve(m.group(1))), file.getFileName() + " wants " + m.group(1));
                }
            }
        }
    }

    @Test
    void usbDeviceController_startsTheGadget() {
        Device udc = rules.apply(new Device("add", Map.of(), new Node("udc", "fe980000.usb", null, Map.of())));
        assertEquals(Set.of("otpi-gadget.service"), udc.envList("SYSTEMD_WANTS"));
        assertTrue(udc.tags.contains("systemd"));
        Device gone = rules.apply(new Device("remove", Map.of(), new Node("udc", "fe980000.usb", null, Map.of())));
        assertTrue(gone.envList("SYSTEMD_WANTS").isEmpty());
    }

    @Test
    void gadgetInterfaces_areNamedByTheirMac() {
        Device ecm = rules.apply(new Device("add", Map.of(),
                new Node("net", "usb0", null, Map.of("address", "02:0e:70:69:00:01"))));
        assertEquals("otpiusb0", ecm.name);
        Device rndis = rules.apply(new Device("add", Map.of(),
                new Node("net", "usb1", null, Map.of("address", "02:0e:70:69:00:03"))));
        assertEquals("otpiusb1", rndis.name);
        Device uplink = rules.apply(new Device("add", Map.of(),
                new Node("net", "eth0", null, Map.of("address", "dc:a6:32:00:00:01"))));
        assertNull(uplink.name);
        Device hostSide = rules.apply(new Device("add", Map.of(),
                new Node("net", "usb0", null, Map.of("address", "02:0e:70:69:00:02"))));
        assertNull(hostSide.name, "the laptop-side MAC is not ours to name");
    }

    @Test
    void touchscreen_goesToTheKioskSeat_andGpioToTheAppliance() {
        Device touch = rules.apply(new Device("add", Map.of("ID_INPUT", "1", "ID_INPUT_TOUCHSCREEN", "1"),
                new Node("input", "event3", null, Map.of())));
        assertEquals("otpi-kiosk", touch.group);
        assertEquals("0660", touch.mode);
        assertTrue(touch.tags.containsAll(Set.of("uaccess", "seat")));

        Device keyboard = rules.apply(new Device("add", Map.of("ID_INPUT", "1", "ID_INPUT_KEYBOARD", "1"),
                new Node("input", "event4", null, Map.of())));
        assertNull(keyboard.group);
        assertFalse(keyboard.tags.contains("uaccess"));

        Device gpio = rules.apply(new Device("add", Map.of(), new Node("gpio", "gpiochip0", null, Map.of())));
        assertEquals("otpi", gpio.group);
        assertEquals("0660", gpio.mode);
    }

    @Test
    void evaluator_rejectsSyntaxItDoesNotModel(@TempDir Path tmp) throws IOException {
        Path odd = tmp.resolve("99-odd.rules");
        Files.writeString(odd, "SUBSYSTEM==\"tty\", PROGRAM==\"/bin/true\", SYMLINK+=\"x\"\n");
        assertThrows(IllegalArgumentException.class, () -> new RuleEvaluator(List.of(odd)));
        Files.writeString(odd, "SUBSYSTEM==\"tty\" SYMLINK+=\"x\"\n");
        assertThrows(IllegalArgumentException.class, () -> new RuleEvaluator(List.of(odd)));
    }

    @Test
    void glob_followsUdevPatterns() {
        assertTrue(RuleEvaluator.glob("ttyACM[0-9]*", "ttyACM12"));
        assertFalse(RuleEvaluator.glob("ttyACM[0-9]*", "ttyUSB0"));
        assertTrue(RuleEvaluator.glob("eth0|end0", "end0"));
        assertFalse(RuleEvaluator.glob("TrueRNG*", "XTrueRNG"));
        assertFalse(RuleEvaluator.glob("1", null));
    }
}
