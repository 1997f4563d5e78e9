package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.securitylog.SecurityEvents;

/** Law 6: forgeries and replays reach the security log (file and screen), and secrets never do. */
class SecurityEventsTest {

    @Test
    void forgeryAndReplay_areLogged_withoutSecrets(@TempDir Path dir) throws Exception {
        byte[] pad = TestVaults.pad(31, 8192);
        long before = last();
        try (Vault alice = TestVaults.create(dir, "alice"); Vault bob = TestVaults.create(dir, "bob")) {
            TestVaults.share(alice, "Bob Secretname", bob, "Alice Secretname", pad);
            byte[] m = "the launch code is 0000".getBytes();
            byte[] p = alice.seal("Bob Secretname", m, SealOptions.V2).packageBytes();
            byte[] forged = p.clone();
            forged[forged.length - 1] ^= 1;
            assertThrows(VaultException.class, () -> bob.open("Alice Secretname", forged));
            bob.open("Alice Secretname", p);
            assertThrows(VaultException.class, () -> bob.open("Alice Secretname", p));
        }
        List<SecurityEvents.Event> events = SecurityEvents.since(before, 1000);
        assertTrue(events.stream().anyMatch(e -> e.kind().equals("forgery")), events.toString());
        assertTrue(events.stream().anyMatch(e -> e.kind().equals("replay")), events.toString());
        for (SecurityEvents.Event e : events) {
            assertFalse(e.text().contains("Secretname") || e.text().contains("launch code") || e.text().contains("4711"),
                    "a secret in the security log: " + e.text());
        }
    }

    private static long last() {
        List<SecurityEvents.Event> all = SecurityEvents.since(0, Integer.MAX_VALUE);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }
}
