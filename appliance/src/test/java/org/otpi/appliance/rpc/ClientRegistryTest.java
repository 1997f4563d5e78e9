package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The clients file is the truth: two registries on one file (daemon and operator) never undo each other. */
class ClientRegistryTest {

    @Test
    void aChangeByAnotherRegistry_isSeenAtOnce_andNeverWrittenOver(@TempDir Path dir) throws Exception {
        ClientRegistry daemon = ClientRegistry.open(dir);
        ClientRegistry operator = ClientRegistry.open(dir);
        String a = daemon.issue("laptop-a");
        assertEquals(Optional.of("laptop-a"), daemon.authenticate(a));
        assertTrue(operator.revoke("laptop-a"));
        assertEquals(Optional.empty(), daemon.authenticate(a), "revoked elsewhere: refused on the next lookup");
        String b = daemon.issue("laptop-b"); // the daemon writes: built on the file, not on its memory
        assertEquals(Optional.empty(), daemon.authenticate(a));
        assertEquals(List.of("laptop-b"), ClientRegistry.open(dir).clients());
        assertEquals(Optional.of("laptop-b"), operator.authenticate(b), "and the operator's copy follows the daemon's");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("clients"))));
    }

    @Test
    void rapidRewritesOfTheSameSize_areAllNoticed(@TempDir Path dir) throws Exception {
        ClientRegistry daemon = ClientRegistry.open(dir);
        ClientRegistry operator = ClientRegistry.open(dir);
        for (int i = 0; i < 40; i++) {
            String old = daemon.issue("laptop"); // same name, same file size every time
            assertEquals(Optional.of("laptop"), daemon.authenticate(old));
            operator.issue("laptop"); // re-paired elsewhere: the old token is dead
            operator.issue("laptop");
            assertEquals(Optional.empty(), daemon.authenticate(old), "round " + i);
        }
    }

    @Test
    void aDamagedFile_acceptsNobody_isNotOverwritten_andRecovers(@TempDir Path dir) throws Exception {
        ClientRegistry r = ClientRegistry.open(dir);
        String a = r.issue("laptop-a");
        Path file = dir.resolve("clients");
        String good = Files.readString(file);
        String torn = good.substring(0, good.length() - 20); // a torn write: half a hash
        Files.writeString(file, torn);
        assertEquals(Optional.empty(), r.authenticate(a), "fail closed");
        assertThrows(IOException.class, () -> r.issue("laptop-b"));
        assertThrows(IOException.class, () -> r.revoke("laptop-a"));
        assertEquals(torn, Files.readString(file), "a file it cannot read is never overwritten");
        assertThrows(IOException.class, () -> ClientRegistry.open(dir));
        Files.writeString(file, good, StandardCharsets.UTF_8);
        assertEquals(Optional.of("laptop-a"), r.authenticate(a), "repaired: accepted again");
    }

    @Test
    void aMissingFile_meansNoClients(@TempDir Path dir) throws Exception {
        ClientRegistry r = ClientRegistry.open(dir);
        String a = r.issue("laptop-a");
        Files.delete(dir.resolve("clients"));
        assertEquals(Optional.empty(), r.authenticate(a));
        assertEquals(List.of(), r.clients());
    }
}
