package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.pad.RangeSet;

/**
 * Law 1 after the ordinary recovery (the SD card died: a new card, a new stick, last week's
 * backup) and after a pad is imported again under another contact id or size: cursors never go
 * back over pad already used.
 */
class RestoreAndReimportTest {
    private static final char[] PASS = "correct horse battery".toCharArray();

    @Test
    void backupRestoredOnANewSdCard_isReceiveOnly_untilAnAuthenticatedAck(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(21, 100_000);
        RangeSet sent = new RangeSet();
        List<byte[]> inFlight = new ArrayList<>();
        ByteArrayOutputStream backup = new ByteArrayOutputStream();
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            seal(a, b, 2, sent, null);
            a.exportBackup(backup, PASS, TestVaults.FAST_KDF);
            seal(a, b, 5, sent, null); // after the backup: bob reads these
        }
        // alice's SD card and stick die: a new card (new device secret, no marks), a new stick
        Path medium = dir.resolve("alice2-medium");
        Path state = dir.resolve("alice2-state");
        try (Vault a = Vault.create(medium, state, "alice", TestVaults.PIN, TestVaults.FAST_KDF, VaultPolicy.DEFAULT)) {
            Vault.RestoreReport r = a.restoreBackup(new ByteArrayInputStream(backup.toByteArray()), PASS);
            assertEquals(List.of("bob"), r.restored());
            assertEquals(List.of("bob"), r.receiveOnly());
            assertTrue(a.stats("bob").receiveOnly());
            VaultException refused = assertThrows(VaultException.class,
                    () -> a.seal("bob", "too soon".getBytes(), SealOptions.V2));
            assertEquals(VaultException.Kind.RECEIVE_ONLY, refused.kind());
            assertTrue(refused.getMessage().contains("can receive"), refused.getMessage());
            assertTrue(refused.getMessage().contains("skip ahead"), refused.getMessage());
        }
        // bob writes back: his package carries an authenticated ack of what he has read of alice's stream
        byte[] reply;
        try (Vault b = TestVaults.unlock(dir, "bob")) {
            reply = b.seal("alice", "got all five".getBytes(), SealOptions.V2).packageBytes();
        }
        try (Vault a = Vault.unlock(medium, state, TestVaults.PIN, VaultPolicy.DEFAULT, Clock.systemUTC())) {
            assertArrayEquals("got all five".getBytes(), a.open("bob", reply).message());
            assertFalse(a.stats("bob").receiveOnly(), "the ack ends receive-only");
            Sealed next = a.seal("bob", "back again".getBytes(), SealOptions.V2);
            assertTrue(next.index() >= sent.max(), "the next seal reuses pad already sent: " + next.index()
                    + " < " + sent.max());
            try (Vault b = TestVaults.unlock(dir, "bob")) {
                Opened o = b.open("alice", next.packageBytes());
                assertArrayEquals("back again".getBytes(), o.message());
                assertEquals(List.of(), o.warnings(), "bob sees a clean continuation, no replay");
            }
        }
    }

    @Test
    void restoredPad_canSkipAheadOnTheDevice_byTheAmountShown(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(22, 50_000);
        ByteArrayOutputStream backup = new ByteArrayOutputStream();
        RangeSet sent = new RangeSet();
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            a.exportBackup(backup, PASS, TestVaults.FAST_KDF);
            seal(a, b, 3, sent, null);
        }
        Path medium = dir.resolve("alice2-medium");
        try (Vault a = Vault.create(medium, dir.resolve("alice2-state"), "alice", TestVaults.PIN, TestVaults.FAST_KDF,
                VaultPolicy.DEFAULT)) {
            a.restoreBackup(new ByteArrayInputStream(backup.toByteArray()), PASS);
            PadStats st = a.skipAhead("bob", 4_000);
            assertFalse(st.receiveOnly());
            assertEquals(4_000, st.sendUsed());
            Sealed s = a.seal("bob", "after a skip".getBytes(), SealOptions.V2);
            assertTrue(s.index() >= sent.max());
        }
    }

    @Test
    void padImportedAgain_underAnIdThatFlipsItsHalf_neverReusesWhatWasUsed(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(23, 60_000);
        RangeSet used = new RangeSet();
        try (Vault a = TestVaults.create(dir, "mallet")) {
            // "mallet" < "zoe": mallet is Person 0 and sends forward from the start
            a.importPad("zoe", "zoe", new ByteArrayInputStream(pad), pad.length, "imported", "message", null);
            for (int i = 0; i < 4; i++) {
                Sealed s = a.seal("zoe", new byte[500], SealOptions.V2);
                used.add(s.index(), s.index() + s.padCost());
            }
            a.deletePad("zoe");
            // the same pad again, for a contact whose id sorts before "mallet": now Person 1 (backward)
            a.importPad("adam", "adam", new ByteArrayInputStream(pad), pad.length, "imported", "message", null);
            PadStats st = a.stats("adam");
            assertEquals(1, st.person());
            // what mallet sent forward is now the peer's half: a package there is a replay
            assertTrue(st.receiveUsed() >= used.max() - 16, "the peer's half does not count the used bytes");
            // and a pad file cut shorter (another size) imported again keeps every used byte dead
            a.deletePad("adam");
            byte[] shorter = Arrays.copyOf(pad, 30_000);
            a.importPad("zoe", "zoe", new ByteArrayInputStream(shorter), shorter.length, "imported", "message", null);
            Sealed s = a.seal("zoe", new byte[10], SealOptions.V2);
            assertFalse(used.overlaps(s.index(), s.index() + s.padCost()), "pad reused after a re-import");
        }
    }

    /** Alice seals n messages to bob; bob opens them (and they are recorded as sent). */
    private static void seal(Vault a, Vault b, int n, RangeSet sent, List<byte[]> keep) throws Exception {
        for (int i = 0; i < n; i++) {
            Sealed s = a.seal("bob", ("message " + i).getBytes(), SealOptions.V2);
            sent.add(s.index(), s.index() + s.padCost());
            b.open("alice", s.packageBytes());
            if (keep != null) {
                keep.add(s.packageBytes());
            }
        }
    }
}
