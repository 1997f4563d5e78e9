package org.otpi.appliance.vault;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HexFormat;
import org.otpi.appliance.pad.PadFile;
import org.tinylog.Logger;

/**
 * Moves a vault made before December 2026 onto the current formats, on its first unlock: every
 * pad file written with counter nonces ({@link LegacyFormats}) is copied into a new file with
 * random nonces under a new key, then the caller writes a fresh journal (random nonces) holding
 * the new file names, atomically replacing the old journal; the old files are then unreferenced
 * and wiped by the vault's orphan sweep.
 *
 * <p>Crash safety: until the new journal replaces the old one, the old journal names the old
 * files, which are untouched; new files written before a crash are orphans, wiped at the next
 * unlock, and the migration runs again.
 */
final class VaultMigration {
    private VaultMigration() {
    }

    static void migrate(Vault v, java.nio.file.Path medium, byte[] vaultKey) throws IOException {
        for (Vault.Entry e : v.entries().values()) {
            if (e.ledger == null) {
                continue;
            }
            VaultState.Pad p = e.ledger.pad;
            if (p.format != null && p.format >= 2) {
                continue;
            }
            VaultState.Pad fresh = Vault.newPadState(p.size, p.source, p.kind);
            Files.createDirectories(v.padDir());
            try (LegacyFormats.PadFileV1 old = new LegacyFormats.PadFileV1(v.padDir().resolve(p.file),
                    HexFormat.of().parseHex(p.file), vaultKey, HexFormat.of().parseHex(p.fileSalt), p.size, p.chunkSize)) {
                PadFile.Writer w = PadFile.begin(v.padDir().resolve(fresh.file), HexFormat.of().parseHex(fresh.file),
                        v.chunkKey(fresh), p.size, fresh.chunkSize, null);
                try {
                    for (long i = 0; i < old.chunks(); i++) {
                        byte[] plain = old.read(i);
                        try {
                            w.write(plain, 0, plain.length);
                        } finally {
                            Arrays.fill(plain, (byte) 0);
                        }
                    }
                    w.finish().close();
                } catch (IOException | RuntimeException ex) {
                    w.abort();
                    throw ex;
                }
            }
            p.file = fresh.file;
            p.fileSalt = fresh.fileSalt;
            p.chunkSize = fresh.chunkSize;
            p.format = 2;
            Logger.info("migrated a pad file to random nonces ({} bytes)", p.size);
        }
    }
}
