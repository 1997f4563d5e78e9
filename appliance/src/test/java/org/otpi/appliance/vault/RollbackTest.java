package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.pad.RangeSet;

/**
 * Law 1 against the attacker who holds the stick: an old copy of the medium put back, or a
 * journal cut at a record boundary. Afterwards no nonce on the medium repeats any nonce ever
 * written before (every one is recorded), and no pad range is issued twice.
 */
class RollbackTest {

    private final Set<String> everWritten = new HashSet<>();
    private Set<String> lastSeen = Set.of();

    /**
     * Records the medium's nonces: any nonce that was not on the medium when it was last looked at
     * was written since, and must never have been written before.
     */
    private void record(Path medium) throws Exception {
        for (String n : MediumNonces.all(medium)) {
            if (!lastSeen.contains(n) && !everWritten.add(n)) {
                throw new AssertionError("nonce written twice: " + n);
            }
        }
        lastSeen = current(medium);
    }

    private Set<String> current(Path medium) throws Exception {
        return new HashSet<>(MediumNonces.all(medium));
    }

    @Test
    void oldCopyOfTheStickPutBack_neverRepeatsANonce_norReusesPad(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("alice-medium");
        byte[] pad = TestVaults.pad(11, 200_000);
        RangeSet issued = new RangeSet();
        List<byte[]> packages = new ArrayList<>();
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            seal(a, 5, issued, packages);
        }
        record(medium);
        Path old = dir.resolve("old-copy");
        MediumNonces.copyTree(medium, old);
        try (Vault a = TestVaults.unlock(dir, "alice")) {
            seal(a, 7, issued, packages);
        }
        record(medium);
        for (int round = 0; round < 3; round++) {
            MediumNonces.copyTree(old, medium); // the attacker puts the old stick back
            lastSeen = current(medium);
            try (Vault a = TestVaults.unlock(dir, "alice")) {
                seal(a, 4, issued, packages);
            }
            record(medium);
        }
        // every package ever issued opens at bob exactly once
        try (Vault b = TestVaults.unlock(dir, "bob")) {
            for (byte[] p : packages) {
                assertTrue(new String(b.open("alice", p).message()).startsWith("m"));
            }
        }
    }

    @Test
    void journalCutAtARecordBoundary_neverRepeatsANonce_norReusesPad(@TempDir Path dir) throws Exception {
        Path medium = dir.resolve("alice-medium");
        byte[] pad = TestVaults.pad(12, 100_000);
        RangeSet issued = new RangeSet();
        List<byte[]> packages = new ArrayList<>();
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
        }
        for (int round = 0; round < 4; round++) {
            try (Vault a = TestVaults.unlock(dir, "alice")) {
                seal(a, 6, issued, packages);
            }
            record(medium);
            List<Integer> cuts = MediumNonces.journalBoundaries(medium);
            int cut = cuts.get(Math.max(1, cuts.size() - 4)); // drop the last three records
            try (FileChannel ch = FileChannel.open(medium.resolve("journal"), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            lastSeen = current(medium);
            try (Vault a = TestVaults.unlock(dir, "alice")) {
                seal(a, 3, issued, packages);
            }
            record(medium);
        }
        try (Vault b = TestVaults.unlock(dir, "bob")) {
            for (byte[] p : packages) {
                assertEquals(0, b.open("alice", p).warnings().stream().filter(w -> w == Opened.Warning.LATE).count());
            }
        }
    }

    private static void seal(Vault a, int n, RangeSet issued, List<byte[]> packages) throws Exception {
        for (int i = 0; i < n; i++) {
            Sealed s = a.seal("bob", ("m" + i + " ".repeat(i * 100)).getBytes(), SealOptions.V2);
            assertFalse(issued.overlaps(s.index(), s.index() + s.padCost()), "pad range issued twice at " + s.index());
            issued.add(s.index(), s.index() + s.padCost());
            packages.add(s.packageBytes());
        }
    }
}
