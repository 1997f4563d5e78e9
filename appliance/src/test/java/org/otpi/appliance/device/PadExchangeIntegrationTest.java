package org.otpi.appliance.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.entropy.EntropyService;
import org.otpi.appliance.entropy.HealthParameters;
import org.otpi.appliance.entropy.PadOrigin;
import org.otpi.appliance.entropy.PadRequest;
import org.otpi.appliance.entropy.PadResult;
import org.otpi.appliance.exchange.Argon2Settings;
import org.otpi.appliance.exchange.InPersonExchange;
import org.otpi.appliance.exchange.TransferCode;
import org.otpi.appliance.exchange.TransferInfo;
import org.otpi.appliance.exchange.TransferReceipt;
import org.otpi.appliance.vault.PadStats;
import org.otpi.appliance.vault.SealOptions;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.Vault;

/**
 * Issue 6 meets the vault: a pad generated straight into alice's vault goes to bob's device
 * through a transfer medium, both see the same fingerprint, and they can talk with it.
 */
class PadExchangeIntegrationTest {

    @Test
    void generatedPad_travelsInPerson_andCarriesMessages(@TempDir Path dir) throws Exception {
        Path medium = Files.createDirectories(dir.resolve("transfer-stick"));
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob");
             EntropyService entropy = EntropyService.start(new EntropyService.Config(List.of(dir.resolve("no-hrng")),
                     50_000, HealthParameters.DEFAULT, false, 0), e -> { })) {
            long size = 256 * 1024;
            PadResult made = entropy.generatePad(new PadRequest(size, false),
                    VaultPads.sink(alice, "Bob", "bob", size, "kernel"), p -> { }, () -> false);
            assertEquals(PadOrigin.KERNEL, made.origin());
            PadStats a = alice.stats("Bob");
            assertEquals("kernel", a.source());
            assertEquals(made.padIdHex(), a.padId());

            InPersonExchange ex = new InPersonExchange(new SecureRandom(), new Argon2Settings(8 * 1024, 1, 1));
            TransferCode code = ex.newCode();
            TransferReceipt sent = ex.send(VaultPads.export(alice, "Bob"),
                    new TransferInfo(size, PadOrigin.KERNEL, "alice", "bob", Instant.now(), null), code, medium);
            TransferCode wrong = TransferCode.parse("AAAAAAAAAA".toCharArray());
            assertThrows(java.io.IOException.class, () -> ex.receive(medium, wrong, VaultPads.importer(bob, "Alice")));
            assertTrue(bob.contacts().isEmpty(), "a wrong code imported something");
            TransferReceipt got = ex.receive(medium, TransferCode.parse(code.display()), VaultPads.importer(bob, "Alice"));
            assertEquals(sent.fingerprint(), got.fingerprint());
            assertEquals(a.padId(), bob.stats("Alice").padId());
            assertEquals(1, bob.stats("Alice").person());

            byte[] m = "we met at the station".getBytes();
            assertArrayEquals(m, bob.open("Alice", alice.seal("Bob", m, SealOptions.V2).packageBytes()).message());
            assertArrayEquals(m, alice.open("Bob", bob.seal("Alice", m, SealOptions.OTC_V1).packageBytes()).message());
            try (var files = Files.list(medium)) {
                assertFalse(files.anyMatch(f -> f.getFileName().toString().contains("otpi")), "transfer medium not wiped");
            }
        }
    }
}
