package org.otpi.appliance;

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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.approval.DenyApprover;
import org.otpi.appliance.vault.TestVaults;

/** The appliance starts locked, even with no vault on the medium yet, and answers health. */
class ApplianceRuntimeTest {

    @Test
    void startsLocked_withoutAVault_andAnswersHealth(@TempDir Path dir) throws Exception {
        try (ApplianceRuntime rt = ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve("alice-medium"),
                dir.resolve("alice-state"), InetAddress.getLoopbackAddress(), 0, new DenyApprover(), Duration.ofSeconds(5),
                List.of(), null, null, null, null, ApplianceRuntime.Gpio.OFF, null, List.of(dir.resolve("no-hrng")), false,
                new PrintStream(new ByteArrayOutputStream()), List.of()))) {
            assertFalse(rt.device().unlocked());
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + rt.rpcAddress().getPort() + "/api/v1/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(health.body().contains("\"unlocked\":false"), health.body());
            // a vault appears (made on the device console) and is unlocked at the screen
            TestVaults.create(dir, "alice").close();
            rt.unlock(TestVaults.PIN.clone());
            assertTrue(rt.device().unlocked());
        }
    }

    @Test
    void pullingTheMediumWhileUnlocked_locksWithinSeconds(@TempDir Path dir) throws Exception {
        TestVaults.create(dir, "alice").close();
        try (ApplianceRuntime rt = ApplianceRuntime.start(new ApplianceRuntime.Options(dir.resolve("alice-medium"),
                dir.resolve("alice-state"), InetAddress.getLoopbackAddress(), 0, new DenyApprover(), Duration.ofSeconds(5),
                List.of(), TestVaults.PIN.clone(), null, null, null, ApplianceRuntime.Gpio.OFF, null,
                List.of(dir.resolve("no-hrng")), false, new PrintStream(new ByteArrayOutputStream()), List.of()))) {
            assertTrue(rt.device().unlocked());
            Thread.sleep(ApplianceRuntime.MEDIUM_WATCH.toMillis() * 2);
            assertTrue(rt.device().unlocked(), "the medium is there: stays unlocked");

            java.nio.file.Files.move(dir.resolve("alice-medium"), dir.resolve("pulled"));
            long deadline = System.nanoTime() + ApplianceRuntime.MEDIUM_WATCH.toNanos() * 5;
            while (rt.device().unlocked() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertFalse(rt.device().unlocked(), "locked once the medium went away");
        }
    }
}
