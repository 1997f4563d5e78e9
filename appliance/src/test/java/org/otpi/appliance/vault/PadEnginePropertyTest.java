package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.otpi.appliance.pad.RangeSet;

/**
 * Seeded randomized properties of the pad engine, across two real vaults sharing a pad: the two
 * people's ranges never overlap, every seal gets a fresh range, all formats round-trip, the split
 * is respected, every single-bit flip is rejected, and no pad byte appears in any output.
 */
class PadEnginePropertyTest {

    private static final SealOptions[] OPTIONS = {
        SealOptions.V2, SealOptions.OTC_V1, SealOptions.ARMOR,
        new SealOptions(Format.V2, true, false), new SealOptions(Format.ARMOR, true, false)};

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void randomExchanges_roundTrip_neverOverlap_neverLeakPad(long seed, @TempDir Path dir) throws Exception {
        Random rnd = new Random(seed);
        int padSize = 64 * 1024 + rnd.nextInt(64 * 1024);
        byte[] pad = TestVaults.pad(seed * 31, padSize);
        RangeSet aliceUsed = new RangeSet();
        RangeSet bobUsed = new RangeSet();
        List<byte[]> outputs = new ArrayList<>();
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            long split = alice.stats("bob").sendCapacity() + 16;
            for (int i = 0; i < 200; i++) {
                boolean fromAlice = rnd.nextBoolean();
                Vault sender = fromAlice ? alice : bob;
                Vault receiver = fromAlice ? bob : alice;
                String to = fromAlice ? "bob" : "alice";
                String from = fromAlice ? "alice" : "bob";
                SealOptions o = OPTIONS[rnd.nextInt(OPTIONS.length)];
                byte[] m = new byte[rnd.nextInt(300)];
                rnd.nextBytes(m);
                long before = sender.stats(to).sendRemaining();
                Sealed s;
                try {
                    s = sender.seal(to, m, o);
                } catch (VaultException e) {
                    assertEquals(VaultException.Kind.PAD_EXHAUSTED, e.kind());
                    assertTrue(Vault.sealCost(m.length, o) > before, "exhausted only when it does not fit");
                    continue;
                }
                assertEquals(Vault.sealCost(m.length, o), s.padCost());
                assertEquals(before - s.padCost(), s.sendRemaining());
                long lo = fromAlice ? s.index() : s.index() - s.padCost() + 1;
                long hi = lo + s.padCost();
                // Alice (Person 0) stays in [16, split); Bob (Person 1) in [split, size)
                if (fromAlice) {
                    assertTrue(lo >= 16 && hi <= split, "alice outside her half");
                } else {
                    assertTrue(lo >= split && hi <= padSize, "bob outside his half");
                }
                RangeSet mine = fromAlice ? aliceUsed : bobUsed;
                assertFalse(aliceUsed.overlaps(lo, hi) || bobUsed.overlaps(lo, hi), "pad range issued twice");
                mine.add(lo, hi);
                outputs.add(s.packageBytes());
                Opened opened = o.format() == Format.ARMOR
                        ? receiver.openArmored(from, new String(s.packageBytes(), StandardCharsets.UTF_8))
                        : receiver.open(from, s.packageBytes());
                assertArrayEquals(m, opened.message());
            }
            TestVaults.PadWindows windows = new TestVaults.PadWindows(pad, 16);
            for (byte[] out : outputs) {
                assertFalse(windows.foundIn(out), "pad bytes in a package");
            }
            assertFalse(windows.foundIn(TestVaults.allBytes(dir)), "pad bytes at rest on a medium or state dir");
        }
    }

    @Test
    void everySingleBitFlip_isRejected_andConsumesNothing(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(99, 16 * 1024);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            for (SealOptions o : new SealOptions[] {SealOptions.V2, SealOptions.OTC_V1,
                    new SealOptions(Format.V2, true, true)}) {
                byte[] m = ("flip me " + o).getBytes(StandardCharsets.UTF_8);
                byte[] pkg = alice.seal("bob", m, o).packageBytes();
                long receivedBefore = bob.stats("alice").receiveUsed();
                for (int bit = 0; bit < pkg.length * 8; bit++) {
                    byte[] t = pkg.clone();
                    t[bit / 8] ^= (byte) (1 << (bit % 8));
                    try {
                        bob.open("alice", t);
                        fail("bit " + bit + " of a " + o.format() + " package flipped and accepted");
                    } catch (VaultException e) {
                        // a flip in the index may land on pad already opened: that is a replay
                        assertTrue(e.kind() == VaultException.Kind.FORGED || e.kind() == VaultException.Kind.CORRUPT
                                || e.kind() == VaultException.Kind.WRONG_PAD || e.kind() == VaultException.Kind.REPLAY,
                                "kind " + e.kind());
                    }
                }
                assertEquals(receivedBefore, bob.stats("alice").receiveUsed(), "a rejected package consumed pad");
                assertArrayEquals(m, bob.open("alice", pkg).message(), "the genuine package still opens");
            }
            assertTrue(bob.stats("alice").expired(), "authenticated Expired retired the pad at the receiver");
        }
    }

    @Test
    void armoredText_anyChangedCharacter_isRejected(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(7, 8 * 1024);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            String text = new String(alice.seal("bob", "hello".getBytes(), SealOptions.ARMOR).packageBytes(),
                    StandardCharsets.UTF_8);
            int accepted = 0;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\n') {
                    continue;
                }
                String t = text.substring(0, i) + (char) (c == 'A' ? 'B' : 'A') + text.substring(i + 1);
                try {
                    bob.openArmored("alice", t);
                    accepted++;
                } catch (VaultException expected) {
                    // rejected: good
                }
            }
            assertEquals(0, accepted, "a changed armored message was accepted");
            assertEquals("hello", new String(bob.openArmored("alice", text).message()));
        }
    }

    @Test
    void replay_isRejected_skipAndLateAreFlagged(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(5, 16 * 1024);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            byte[] p1 = alice.seal("bob", "one".getBytes(), SealOptions.V2).packageBytes();
            byte[] p2 = alice.seal("bob", "two".getBytes(), SealOptions.V2).packageBytes();
            byte[] p3 = alice.seal("bob", "three".getBytes(), SealOptions.OTC_V1).packageBytes();
            assertEquals(List.of(), bob.open("alice", p1).warnings());
            VaultException replay = assertThrows(VaultException.class, () -> bob.open("alice", p1));
            assertEquals(VaultException.Kind.REPLAY, replay.kind());
            assertEquals(List.of(Opened.Warning.SKIP), bob.open("alice", p3).warnings());
            assertEquals(List.of(Opened.Warning.LATE), bob.open("alice", p2).warnings());
            assertEquals(VaultException.Kind.REPLAY, assertThrows(VaultException.class, () -> bob.open("alice", p2)).kind());
            // a client asking the sender to open its own package is refused (wrong half)
            assertEquals(VaultException.Kind.CORRUPT,
                    assertThrows(VaultException.class, () -> alice.open("bob", p1)).kind());
        }
    }

    @Test
    void padIsOneContactOnly_andExhaustionIsClean(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(11, 2048);
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "bob", bob, "alice", pad);
            VaultException dup = assertThrows(VaultException.class, () -> alice.importPad("carol", "carol",
                    new java.io.ByteArrayInputStream(pad), pad.length, "imported", "message", null));
            assertEquals(VaultException.Kind.CONTACT_EXISTS, dup.kind());
            assertThrows(VaultException.class, () -> alice.stats("carol"));
            int sent = 0;
            while (true) {
                try {
                    alice.seal("bob", new byte[100], SealOptions.V2);
                    sent++;
                } catch (VaultException e) {
                    assertEquals(VaultException.Kind.PAD_EXHAUSTED, e.kind());
                    break;
                }
            }
            assertEquals((2048 - 16) / 2 / 132, sent);
            assertTrue(alice.stats("bob").low());
        }
    }
}
