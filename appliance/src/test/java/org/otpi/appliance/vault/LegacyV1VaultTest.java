package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The v1 fixture opens with the vault code and keeps its cursors (the fixture is what it says). */
class LegacyV1VaultTest {

    @Test
    void aV1FixtureOpens_withItsCursors(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(7, 100_000);
        new LegacyV1Vault(dir.resolve("alice-medium"), dir.resolve("alice-state"), "alice")
                .pad("bob", "bob", pad, 300, 0).write(TestVaults.PIN, TestVaults.FAST_KDF);
        new LegacyV1Vault(dir.resolve("bob-medium"), dir.resolve("bob-state"), "bob")
                .pad("alice", "alice", pad, 0, 200).write(TestVaults.PIN, TestVaults.FAST_KDF);
        try (Vault a = TestVaults.unlock(dir, "alice"); Vault b = TestVaults.unlock(dir, "bob")) {
            assertEquals(300, a.stats("bob").sendUsed());
            assertEquals(200, b.stats("alice").receiveUsed());
            Sealed s = a.seal("bob", "after v1".getBytes(), SealOptions.V2);
            assertEquals(16 + 300, s.index());
            Opened o = b.open("alice", s.packageBytes());
            assertArrayEquals("after v1".getBytes(), o.message());
            assertEquals(java.util.List.of(Opened.Warning.SKIP), o.warnings());
        }
        // and again after a restart
        try (Vault a = Vault.unlock(dir.resolve("alice-medium"), dir.resolve("alice-state"), TestVaults.PIN,
                VaultPolicy.DEFAULT, Clock.systemUTC())) {
            assertEquals(300 + 8 + 32, a.stats("bob").sendUsed());
        }
    }
}
