package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileSlotStoreTest {

    @TempDir
    Path tmp;

    @Test
    void readsRawSlots_ignoresTrailingPartialSlot() throws Exception {
        byte[] material = TestKeys.material(4, 1);
        byte[] withTail = Arrays.copyOf(material, material.length + 50);
        Path f = tmp.resolve("psk.bin");
        Files.write(f, withTail);
        try (KeyFileSlotStore s = KeyFileSlotStore.open(f)) {
            assertEquals(4, s.slotCount());
            try (SlotSecret sec = s.read(2)) {
                assertArrayEquals(Arrays.copyOfRange(material, 240, 360), sec.copyAll());
            }
            assertThrows(IllegalArgumentException.class, () -> s.read(4));
            assertThrows(IllegalArgumentException.class, () -> s.read(-1));
        }
    }

    @Test
    void destroyOverwritesOneHalfInPlace_restOfFileUntouched() throws Exception {
        byte[] material = TestKeys.material(4, 2);
        Path f = TestKeys.keyFile(tmp, material);
        try (KeyFileSlotStore s = KeyFileSlotStore.open(f)) {
            s.destroy(1, Direction.RESPONDER_TO_INITIATOR);
            s.destroyRange(2, 4, Direction.INITIATOR_TO_RESPONDER);
        }
        byte[] after = Files.readAllBytes(f);
        assertEquals(material.length, after.length);
        byte[] want = material.clone();
        Arrays.fill(want, 180, 240, (byte) 0);
        Arrays.fill(want, 240, 300, (byte) 0);
        Arrays.fill(want, 360, 420, (byte) 0);
        assertArrayEquals(want, after);
        try (KeyFileSlotStore s = KeyFileSlotStore.open(f); SlotSecret sec = s.read(1)) {
            assertTrue(sec.isDestroyed(Direction.RESPONDER_TO_INITIATOR));
            assertTrue(!sec.isDestroyed(Direction.INITIATOR_TO_RESPONDER));
        }
    }

    @Test
    void secretsNeverPrinted_andZeroedOnClose() throws Exception {
        byte[] material = TestKeys.material(1, 3);
        SlotSecret sec = SlotSecret.copyOf(material, 0);
        assertEquals("SlotSecret[redacted]", sec.toString());
        sec.close();
        assertThrows(IllegalStateException.class, sec::copyAll);
    }

    @Test
    void sessionDestroysSlotsBehindSenderAndBehindReceiverWindow() throws Exception {
        byte[] material = TestKeys.material(12, 4);
        Path fa = Files.write(tmp.resolve("site-a.psk"), material);
        Path fb = Files.write(tmp.resolve("site-b.psk"), material);
        try (KeyFileSlotStore storeA = KeyFileSlotStore.open(fa);
             KeyFileSlotStore storeB = KeyFileSlotStore.open(fb);
             SequenceState a = SequenceState.open(tmp.resolve("a"));
             SequenceState b = SequenceState.open(tmp.resolve("b"))) {
            TunnelSession init = new TunnelSession(Role.INITIATOR, storeA, a, AeadEngine.best(), new TunnelStats(), 12);
            TunnelSession resp = new TunnelSession(Role.RESPONDER, storeB, b, AeadEngine.best(), new TunnelStats(), 12);
            for (int i = 0; i < 10_500; i++) { // slots 0..10 of direction A
                byte[] d = init.seal(new byte[1], 0, 1);
                assertEquals(TunnelSession.Verdict.OK, resp.open(d, 0, d.length).verdict(), "packet " + i);
            }
            init.close();
            resp.close();
            // sender is in slot 10: halves A of 0..9 gone. Receiver window low = 10499-4095 = 6404: 0..5 gone.
            for (int slot = 0; slot < 12; slot++) {
                try (SlotSecret sa = storeA.read(slot); SlotSecret sb = storeB.read(slot)) {
                    assertEquals(slot < 10, sa.isDestroyed(Direction.INITIATOR_TO_RESPONDER), "sender slot " + slot);
                    assertEquals(slot < 6, sb.isDestroyed(Direction.INITIATOR_TO_RESPONDER), "receiver slot " + slot);
                    assertTrue(!sa.isDestroyed(Direction.RESPONDER_TO_INITIATOR), "B half of slot " + slot);
                    assertTrue(!sb.isDestroyed(Direction.RESPONDER_TO_INITIATOR), "B half of slot " + slot);
                }
            }
            assertEquals(10, a.txDestroyedBelow());
            assertEquals(6, b.rxDestroyedBelow());
        }
    }
}
