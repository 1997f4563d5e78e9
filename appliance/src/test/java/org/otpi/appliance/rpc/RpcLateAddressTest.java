package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.otpi.protocol.rpc.RpcPaths;

/**
 * On the device the RPC binds the laptop link's address, which systemd-networkd assigns to the
 * {@code otpi0} bridge at about the time the appliance starts. The server binds before the address
 * exists and answers on it once it appears, and only there. A veth on this host (root)
 * stands in for the bridge.
 */
class RpcLateAddressTest {
    private static final String LINK = "otpitestfb0";
    private static final String ADDRESS = "192.0.2.77";

    @AfterEach
    void removeLink() throws Exception {
        ip("link", "del", LINK);
    }

    @Test
    void bindsAnAddressThatAppearsLater_andAnswersOnlyThere() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "adding an interface needs root");
        assumeTrue(Epoll.isAvailable(), "IP_FREEBIND needs the epoll transport");
        assumeTrue(ip("link", "add", LINK, "type", "veth", "peer", "name", LINK + "p") == 0, "veth unavailable");
        RpcConfig config = RpcConfig.defaults(InetAddress.getByName(ADDRESS), 0);
        try (RpcServer server = new RpcServer(config, new FakeDeviceService("alice", 1000, "bob"), new CountingApprover(CountingApprover.Mode.DENY),
                ClientRegistry.open(Files.createTempDirectory("otpi-rpc-late")), (c, code, t) -> { })) {
            int port = server.start().getPort(); // the address does not exist yet
            assertTrue(port > 0);
            assertThrows(IOException.class, () -> new Socket().connect(new InetSocketAddress(ADDRESS, port), 500));

            assertEquals(0, ip("addr", "add", ADDRESS + "/32", "dev", LINK));
            assertEquals(0, ip("link", "set", LINK, "up"));
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://" + ADDRESS + ":" + port + RpcPaths.HEALTH))
                            .timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());

            // Still bound to that one address: loopback on the same port is not served.
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        }
    }

    private static int ip(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return p.exitValue();
    }
}
