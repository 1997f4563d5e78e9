package org.otpi.kiosk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.approval.AutoApprover;
import org.otpi.appliance.device.Device;
import org.otpi.appliance.device.VaultDeviceService;
import org.otpi.appliance.rpc.ClientRegistry;
import org.otpi.appliance.rpc.RpcConfig;
import org.otpi.appliance.rpc.RpcServer;
import org.otpi.appliance.vault.TestVaults;
import org.otpi.appliance.vault.VaultPolicy;
import org.otpi.bridge.cli.ClientHome;
import org.otpi.bridge.cli.OtpiCli;
import org.otpi.bridge.cli.RelayApiFactory;
import org.otpi.relay.RelayConfig;
import org.otpi.relay.RelayServer;
import org.otpi.relay.store.SqliteRelayStore;
import org.testfx.api.FxRobot;
import picocli.CommandLine;

/**
 * Write on the device, end to end (issue 14): a message typed on alice's kiosk (TestFX typing,
 * the real vault seals it) is carried by alice's laptop ({@code otpi outbox}, in-process, real
 * HTTP) through a real relay (SQLite) to bob's laptop ({@code otpi inbox}), and bob's real
 * device opens it. Everything alice's laptop sends or receives (device RPC and relay) passes a
 * recording proxy: the text is nowhere in it, in any encoding the client uses.
 */
class KioskWriteOnDeviceTest extends TrustedScreenFxTest {

    @Test
    void composedOnTheKiosk_deliveredThroughTheRelay_opensOnBobsDevice_andNeverCrossesAlicesLaptop(FxRobot robot)
            throws Exception {
        String text = "Written on the device: meet at the old mill at nine";
        bob.close(); // bob's vault now serves bob's device
        bob = null;
        try (SqliteRelayStore store = SqliteRelayStore.open(dir.resolve("relay.db"));
             RelayServer relay = RelayServer.start(RelayConfig.builder().bind("127.0.0.1").port(0).build(), store);
             Device bobDevice = new Device(dir.resolve("bob-medium"), dir.resolve("bob-state"), VaultPolicy.DEFAULT,
                     Clock.systemUTC())) {
            bobDevice.unlock(TestVaults.PIN.clone());
            ClientRegistry bobClients = ClientRegistry.open(dir.resolve("bob-state"));
            String bobToken = bobClients.issue("bob-laptop");
            try (RpcServer bobRpc = new RpcServer(RpcConfig.defaults(InetAddress.getLoopbackAddress(), 0)
                    .withApprovalTimeout(Duration.ofSeconds(10)), new VaultDeviceService(bobDevice), new AutoApprover(),
                    bobClients, (c, code, d) -> { });
                 RecordingProxy aliceToDevice = new RecordingProxy(rpcBase.getPort());
                 RecordingProxy aliceToRelay = new RecordingProxy(relay.uri().getPort())) {
                int bobPort = bobRpc.start().getPort();
                Path aliceHome = home("alice-home", "http://127.0.0.1:" + aliceToDevice.port(), laptop);
                Path bobHome = home("bob-home", "http://127.0.0.1:" + bobPort, bobToken);
                String aliceRelay = "http://127.0.0.1:" + aliceToRelay.port();
                String bobRelay = relay.uri().toString();
                unlockAlice(robot);
                // both laptops register at the relay
                assertEquals(0, otpi(aliceHome, "--relay", aliceRelay, "inbox").code(), "alice registers");
                assertEquals(0, otpi(bobHome, "--relay", bobRelay, "inbox").code(), "bob registers");

                robot.clickOn("#nav-messages");
                robot.clickOn("#write");
                waitFor(ui::composeShowing);
                waitFor(() -> "bob".equals(robot.lookup("#compose-to").queryComboBox().getValue()));
                robot.clickOn("#compose-text").write(text);
                waitFor(() -> robot.lookup("#compose-cost").queryLabeled().getText()
                        .startsWith(Format.bytes(text.length()) + " · uses " + Format.bytes(text.length() + 32L)));
                robot.clickOn("#compose-seal");
                waitFor(() -> !ui.composeShowing());
                waitFor(() -> alice.vault().onDevice().outgoing().size() == 1);
                waitFor(() -> robot.lookup("#outbox-waiting").queryLabeled().getText().startsWith("1 written here"));

                Run carried = otpi(aliceHome, "outbox");
                assertEquals(0, carried.code(), carried.out());
                assertTrue(carried.out().contains("Carried the message written on the device for bob"), carried.out());
                assertTrue(alice.vault().onDevice().outgoing().isEmpty(), "the device forgot it once the relay had it");

                Run received = otpi(bobHome, "inbox");
                assertTrue(received.out().contains("] alice: " + text), received.out());
                assertEquals(text.length() + 32L, bobDevice.vault().stats("alice").receiveUsed(), "bob's device opened it");

                Run history = otpi(aliceHome, "history", "bob");
                assertTrue(history.out().contains("written on the device: its text never reached this laptop"), history.out());

                for (RecordingProxy p : List.of(aliceToDevice, aliceToRelay)) {
                    assertNoTrace(p.traffic(), text);
                }
                assertTrue(aliceToDevice.traffic().length > 1000 && aliceToRelay.traffic().length > 1000,
                        "the proxies saw the laptop's traffic");
            }
        }
    }

    record Run(int code, String out) {
    }

    private Path home(String name, String deviceUrl, String token) throws Exception {
        Path h = dir.resolve(name);
        ClientHome home = ClientHome.open(h);
        home.set(ClientHome.DEVICE_URL, deviceUrl);
        home.set(ClientHome.DEVICE_TOKEN, token);
        return h;
    }

    private static Run otpi(Path home, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = OtpiCli.commandLine(new OtpiCli(RelayApiFactory.fromServiceLoader(),
                new ByteArrayInputStream(new byte[0])));
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(out, true));
        String[] all = new String[args.length + 2];
        all[0] = "--home";
        all[1] = home.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        int code = cl.execute(all);
        return new Run(code, out.toString());
    }

    /** Not the text, nor its base64 at any alignment, nor its hex, nor its JSON-escaped form. */
    static void assertNoTrace(byte[] traffic, String text) {
        String all = new String(traffic, StandardCharsets.ISO_8859_1);
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        assertFalse(all.contains(text), "plaintext in the laptop's traffic");
        assertFalse(all.contains("meet at the old mill"), "part of the plaintext in the laptop's traffic");
        for (int shift = 0; shift < 3; shift++) {
            String b64 = Base64.getEncoder().encodeToString(java.util.Arrays.copyOfRange(t, shift, t.length));
            assertFalse(all.contains(b64.substring(4, b64.length() - 4)), "base64 of the plaintext in the laptop's traffic");
            String url = Base64.getUrlEncoder().encodeToString(java.util.Arrays.copyOfRange(t, shift, t.length));
            assertFalse(all.contains(url.substring(4, url.length() - 4)), "base64url of the plaintext in the laptop's traffic");
        }
        assertFalse(all.toLowerCase(java.util.Locale.ROOT).contains(HexFormat.of().formatHex(t, 0, 16)),
                "hex of the plaintext in the laptop's traffic");
    }
}
