package org.otpi.appliance.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.ApplianceRuntime;
import org.otpi.appliance.approval.DenyApprover;
import org.otpi.appliance.vault.Vault;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.protocol.kiosk.KioskMessage;
import org.otpi.protocol.kiosk.Views;

/**
 * First run on the real appliance: started on an empty medium (as {@code serve} does when the
 * stick holds no vault), the kiosk creates the vault over its real Unix socket, and the device RPC
 * then reports the vault unlocked.
 */
class KioskFirstRunTest {
    private static final String PIN = "27182818";

    @Test
    void anEmptyMedium_isSetUpFromTheKiosk_andTheRpcThenSaysUnlocked(@TempDir Path dir) throws Exception {
        Path medium = Files.createDirectories(dir.resolve("medium"));
        Path socket = dir.resolve("kiosk.sock");
        Path securityLog = Path.of("target/security-test.log");
        long logBefore = Files.exists(securityLog) ? Files.size(securityLog) : 0;
        try (ApplianceRuntime rt = ApplianceRuntime.start(new ApplianceRuntime.Options(medium, dir.resolve("state"),
                InetAddress.getLoopbackAddress(), 0, new DenyApprover(), Duration.ofSeconds(5), List.of(), null, socket,
                System.getProperty("user.name"), null, ApplianceRuntime.Gpio.OFF, null, List.of(dir.resolve("no-hrng")),
                false, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), List.of()));
             RawKiosk kiosk = new RawKiosk(socket)) {
            URI health = URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort() + "/api/v1/health");
            assertTrue(health(health).contains("\"unlocked\":false"));

            kiosk.send(new KioskMessage.GetStatus(1));
            Views.Status before = kiosk.await(KioskMessage.StatusReply.class, r -> r.id() == 1).status();
            assertEquals(Views.VaultState.SETUP_NEEDED, before.vault());

            // refused first: a PIN too short (the kiosk checks too; the appliance is the authority)
            kiosk.send(new KioskMessage.CreateVault(2, "alice-pi", "123".toCharArray()));
            KioskMessage.Done refused = kiosk.await(KioskMessage.Done.class, d -> d.id() == 2);
            assertFalse(refused.ok());
            assertTrue(refused.error().contains("at least 4"), refused.error());
            assertFalse(Files.exists(medium.resolve("vault.hdr")));

            kiosk.send(new KioskMessage.CreateVault(3, "alice-pi", PIN.toCharArray()));
            KioskMessage.Done done = kiosk.await(KioskMessage.Done.class, d -> d.id() == 3);
            assertTrue(done.ok(), done.error());
            assertTrue(rt.device().unlocked());
            String body = health(health);
            assertTrue(body.contains("\"unlocked\":true"), body);

            kiosk.send(new KioskMessage.GetStatus(4));
            Views.Status after = kiosk.await(KioskMessage.StatusReply.class, r -> r.id() == 4).status();
            assertEquals(Views.VaultState.UNLOCKED, after.vault());
            assertEquals("alice-pi", after.deviceId());

            // a second setup over the socket is refused; the vault stays the first one
            byte[] header = Files.readAllBytes(medium.resolve("vault.hdr"));
            kiosk.send(new KioskMessage.CreateVault(5, "mallory", "99999999".toCharArray()));
            assertFalse(kiosk.await(KioskMessage.Done.class, d -> d.id() == 5).ok());
            org.junit.jupiter.api.Assertions.assertArrayEquals(header, Files.readAllBytes(medium.resolve("vault.hdr")));
        }
        // the appliance is gone: the PIN chosen at the kiosk opens the vault
        try (Vault v = Vault.unlock(medium, dir.resolve("state"), PIN.toCharArray(), VaultPolicy.DEFAULT, Clock.systemUTC())) {
            assertEquals("alice-pi", v.deviceId());
        }
        String log = Files.readString(securityLog, StandardCharsets.UTF_8).substring((int) logBefore);
        assertTrue(log.contains("vault created for device alice-pi"), log);
        assertFalse(log.contains(PIN), "the PIN never reaches the security log");
    }

    private static String health(URI uri) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }
}
