package org.otpi.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.bridge.relay.RelayClient;
import org.otpi.bridge.relay.RelayException;
import org.otpi.bridge.relay.RelayListener;
import org.otpi.bridge.relay.RelayMessage;
import org.otpi.bridge.relay.Subscription;
import picocli.CommandLine;

/** make-cert through the CLI, then HTTPS and WSS with a client that pins that certificate. */
class RelayTlsTest {
    @TempDir
    Path dir;

    @Test
    void makeCert_thenTlsServesOnlyClientsThatTrustIt() throws Exception {
        Path p12 = dir.resolve("relay.p12");
        Path pass = dir.resolve("relay.pass");
        Path crt = dir.resolve("relay.crt");
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new RelayMain());
        cli.setOut(new PrintWriter(out));
        int code = cli.execute("make-cert", "--keystore", p12.toString(), "--password-file", pass.toString(),
                "--cert", crt.toString(), "--name", "localhost", "--name", "127.0.0.1", "--days", "2");
        assertEquals(0, code, out.toString());
        assertTrue(out.toString().matches("(?s).*SHA-256: +[0-9a-f]{64}.*"), out.toString());
        assertEquals(java.util.Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(pass));
        assertTrue(Files.readString(crt).startsWith("-----BEGIN CERTIFICATE-----"));
        assertEquals(1, new CommandLine(new RelayMain()).setErr(new PrintWriter(new StringWriter()))
                .execute("make-cert", "--keystore", p12.toString(), "--password-file", pass.toString(),
                        "--cert", crt.toString()), "refuses to overwrite a keystore");

        RelayConfig.Builder cfg = RelayFixture.testConfig().tls(RelayTls.serverContext(p12, RelayTls.readPassword(pass)));
        try (RelayFixture relay = RelayFixture.sqlite(dir, cfg)) {
            assertTrue(relay.uri().toString().startsWith("https://127.0.0.1:"));
            RelayClient trusting = RelayClient.builder(relay.uri()).trustCertificate(crt).build();
            RelayClient alice = trusting.withToken(trusting.register("alice"));
            RelayClient bob = trusting.withToken(trusting.register("bob"));
            CountDownLatch got = new CountDownLatch(1);
            try (Subscription s = bob.subscribe(0, new RelayListener() {
                @Override
                public void onMessages(List<RelayMessage> messages) {
                    got.countDown();
                }
            })) {
                alice.send("bob", "AAAA");
                assertTrue(got.await(10, TimeUnit.SECONDS), "push over wss");
            }
            RelayClient naive = RelayClient.builder(relay.uri()).build();
            assertFalse(naive.health(), "default trust store does not know the self-signed certificate");
            assertEquals(0, assertThrows(RelayException.class, () -> naive.register("mallory")).status());
            byte[] plain = relay.raw("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(), 2000);
            assertFalse(RelayFixture.str(plain).contains("\"ok\""), "plain HTTP is not served on the TLS port");
        }
    }

    @Test
    void serve_withUnknownStoreSpelling_failsWithExitCode1() {
        CommandLine cli = new CommandLine(new RelayMain());
        cli.setErr(new PrintWriter(new StringWriter()));
        assertEquals(1, cli.execute("serve", "--port", "0", "--store", "mysql:x"));
        assertEquals(2, cli.execute("serve", "--port", "notaport"));
    }
}
