package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vault made by the earlier code (counter nonces: {@link LegacyV1Vault}) opens, keeps every
 * cursor, and is rewritten on its first unlock in the random-nonce formats: no file of the old
 * formats remains to be appended to, and its high-water marks carry over.
 */
class MigrationTest {

    @Test
    void v1Vault_isMigratedOnFirstUnlock_keepingCursorsAndMarks(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(31, 120_000);
        Path medium = dir.resolve("alice-medium");
        new LegacyV1Vault(medium, dir.resolve("alice-state"), "alice").pad("bob", "bob", pad, 5_000, 700)
                .write(TestVaults.PIN, TestVaults.FAST_KDF);
        new LegacyV1Vault(dir.resolve("bob-medium"), dir.resolve("bob-state"), "bob").pad("alice", "alice", pad, 700, 5_000)
                .write(TestVaults.PIN, TestVaults.FAST_KDF);
        List<Path> v1Files;
        try (Stream<Path> s = Files.list(medium.resolve("pads"))) {
            v1Files = s.toList();
        }
        Sealed s;
        try (Vault a = TestVaults.unlock(dir, "alice")) {
            assertEquals(5_000, a.stats("bob").sendUsed());
            assertEquals(700, a.stats("bob").receiveUsed());
            s = a.seal("bob", "after the migration".getBytes(StandardCharsets.UTF_8), SealOptions.V2);
            assertEquals(16 + 5_000, s.index());
        }
        byte[] journal = Files.readAllBytes(medium.resolve("journal"));
        assertArrayEquals(Journal.MAGIC, Arrays.copyOf(journal, 8), "journal not rewritten in v2");
        for (Path old : v1Files) {
            assertFalse(Files.exists(old), "a v1 pad file survived: " + old.getFileName());
        }
        try (Stream<Path> files = Files.list(medium.resolve("pads"))) {
            Path now = files.filter(f -> !f.getFileName().toString().endsWith(".redo")).findFirst().orElseThrow();
            int chunk = org.otpi.appliance.pad.PadFile.DEFAULT_CHUNK_SIZE;
            long chunks = (pad.length + chunk - 1) / chunk;
            long last = pad.length - (chunks - 1) * chunk;
            assertEquals((chunks - 1) * org.otpi.appliance.pad.PadFile.SLOT_SIZE + last + 40, Files.size(now),
                    "pad file not in 16 KiB v2 slots");
        }
        assertTrue(Files.exists(dir.resolve("alice-state").resolve(HighWaterMarks.FILE)), "marks not carried over");
        try (Vault b = TestVaults.unlock(dir, "bob")) {
            Opened o = b.open("alice", s.packageBytes());
            assertArrayEquals("after the migration".getBytes(StandardCharsets.UTF_8), o.message());
            assertEquals(List.of(), o.warnings());
        }
        // the migrated vault goes on working after a restart
        try (Vault a = TestVaults.unlock(dir, "alice")) {
            assertEquals(5_000 + 19 + 32, a.stats("bob").sendUsed());
        }
    }
}
