package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Read and write on the device: text kept sealed in the vault, destroyed on request or expiry. */
class DeviceItemsTest {
    private static final byte[] SECRET = "meet at the north gate at nine".getBytes(StandardCharsets.UTF_8);

    @Test
    void messageOpenedOnTheDevice_isKeptSealed_readableThere_andDestroyable(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(51, 30_000);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            b.onDevice().setReadOnDevice("alice", true);
            assertTrue(b.stats("alice").readOnDevice());
            byte[] pkg = a.seal("bob", SECRET, SealOptions.V2).packageBytes();
            DeviceMessage m = b.onDevice().open("alice", pkg, 0);
            assertEquals("alice", m.contact());
            assertEquals(SECRET.length, m.length());
            assertFalse(new String(TestVaults.allBytes(dir.resolve("bob-medium")), StandardCharsets.ISO_8859_1)
                    .contains("north gate"), "the text is on the medium in clear");
            assertEquals(List.of(m), b.onDevice().messages());
            assertArrayEquals(SECRET, b.onDevice().read(m.id()));
            assertEquals(0, b.stats("alice").keptOpens(), "the pad was not destroyed once the text was kept");
            assertTrue(b.onDevice().destroy(m.id()));
            assertNull(b.onDevice().read(m.id()));
            assertEquals(List.of(), b.onDevice().messages());
            try (var files = Files.list(dir.resolve("bob-medium").resolve(VaultItems.DIR))) {
                assertEquals(0, files.count(), "the item file is still on the medium");
            }
        }
    }

    @Test
    void messagesKeptOnTheDevice_expire(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(52, 30_000);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            b.onDevice().open("alice", a.seal("bob", SECRET, SealOptions.V2).packageBytes(),
                    Instant.now().plus(Duration.ofHours(1)).toEpochMilli());
            assertEquals(1, b.onDevice().messages().size());
        }
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);
        try (Vault b = Vault.unlock(dir.resolve("bob-medium"), dir.resolve("bob-state"), TestVaults.PIN,
                VaultPolicy.DEFAULT, later)) {
            assertEquals(List.of(), b.onDevice().messages());
        }
    }

    @Test
    void textComposedOnTheDevice_leavesOnlyAsAPackage_andOpensAtThePeer(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(53, 30_000);
        try (Vault a = TestVaults.create(dir, "alice"); Vault b = TestVaults.create(dir, "bob")) {
            TestVaults.share(a, "bob", b, "alice", pad);
            OutgoingPackage out = a.onDevice().seal("bob", SECRET, SealOptions.V2);
            assertEquals("bob", out.remoteId());
            assertFalse(new String(out.packageBytes(), StandardCharsets.ISO_8859_1).contains("north gate"));
            assertEquals(1, a.onDevice().outgoing().size());
            assertArrayEquals(out.packageBytes(), a.onDevice().outgoing().get(0).packageBytes());
            assertArrayEquals(SECRET, b.open("alice", out.packageBytes()).message());
            assertTrue(a.onDevice().outgoingSent(out.id()));
            assertEquals(List.of(), a.onDevice().outgoing());
        }
    }
}
