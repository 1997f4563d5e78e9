package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pads pushed into the vault as they are made: all or nothing. */
class NewPadTest {

    @Test
    void abortedOrIncompletePad_leavesNothingBehind(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(8, 100_000);
        try (Vault v = TestVaults.create(dir, "alice")) {
            Vault.NewPad p = v.beginPad("bob", "bob", pad.length, "hrng+kernel", "message", null);
            p.write(pad, 0, 50_000);
            p.abort();
            p.abort();
            assertTrue(v.contacts().isEmpty());
            assertEquals(0, countFiles(dir.resolve("alice-medium/pads")));
            Vault.NewPad q = v.beginPad("bob", "bob", pad.length, "hrng+kernel", "message", null);
            q.write(pad, 0, 99_999);
            assertEquals(VaultException.Kind.IO, assertThrows(VaultException.class, q::commit).kind());
            assertEquals(0, countFiles(dir.resolve("alice-medium/pads")));
            Vault.NewPad r = v.beginPad("bob", "bob", pad.length, "hrng+kernel", "message", null);
            for (int off = 0; off < pad.length; off += 777) {
                r.write(pad, off, Math.min(777, pad.length - off));
            }
            PadStats s = r.commit();
            assertEquals("hrng+kernel", s.source());
            assertEquals(1, v.contacts().size());
        }
        try (Vault v = TestVaults.unlock(dir, "alice")) {
            assertEquals(100_000, v.stats("bob").size());
        }
    }

    private static long countFiles(Path p) throws java.io.IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        try (var s = Files.list(p)) {
            return s.count();
        }
    }
}
