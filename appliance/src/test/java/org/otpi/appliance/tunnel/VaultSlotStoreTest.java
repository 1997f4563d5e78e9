package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultSlotStore;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultException;
import org.otpi.appliance.vault.VaultPolicy;

/** Tunnel keys from a site-link pad in the vault: the right bytes, destroyed for good, one use only. */
class VaultSlotStoreTest {

    @Test
    void slots_areTheNotesLayout_andUsedHalvesStayDestroyed(@TempDir Path dir) throws Exception {
        int slots = 300;
        byte[] pad = TestVaults.pad(4, 16 + slots * 120);
        try (Vault v = TestVaults.create(dir, "site-a")) {
            v.importPad("site-b", "site-b", new ByteArrayInputStream(pad), pad.length, "imported", "site-link", null);
            assertEquals(VaultException.Kind.WRONG_PAD,
                    assertThrows(VaultException.class, () -> v.seal("site-b", new byte[10], SealOptions.V2)).kind());
        }
        Device device = new Device(dir.resolve("site-a-medium"), dir.resolve("site-a-state"), VaultPolicy.DEFAULT,
                Clock.systemUTC());
        device.unlock(TestVaults.PIN.clone());
        try (VaultSlotStore store = new VaultSlotStore(device, "site-b")) {
            assertEquals(slots, store.slotCount());
            for (long i : new long[] {0, 136, 137, slots - 1}) {
                try (SlotSecret s = store.read(i)) {
                    byte[] expected = Arrays.copyOfRange(pad, (int) (16 + i * 120), (int) (16 + i * 120 + 120));
                    assertArrayEquals(expected, s.copyAll(), "slot " + i);
                }
            }
            store.destroyRange(0, 137, Direction.INITIATOR_TO_RESPONDER);
            store.destroy(5, Direction.RESPONDER_TO_INITIATOR);
        }
        device.lock();
        device.unlock(TestVaults.PIN.clone());
        try (VaultSlotStore store = new VaultSlotStore(device, "site-b"); SlotSecret s = store.read(5);
             SlotSecret t = store.read(137)) {
            byte[] five = s.copyAll();
            for (int k = 0; k < 120; k++) {
                assertEquals(0, five[k], "destroyed half survived a restart at byte " + k);
            }
            assertArrayEquals(Arrays.copyOfRange(pad, 16 + 137 * 120, 16 + 138 * 120), t.copyAll());
        }
        device.close();
        assertFalse(new TestVaults.PadWindows(Arrays.copyOfRange(pad, 16, 16 + 137 * 60), 0)
                .foundIn(TestVaults.allBytes(dir)), "destroyed key bytes still on the medium");
    }
}
