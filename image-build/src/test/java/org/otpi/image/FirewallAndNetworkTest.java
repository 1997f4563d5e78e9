package org.otpi.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image's nftables ruleset, loaded for real in network namespaces: the RPC port
 * answers only on otpi0, the tunnel UDP port only on the uplink, nothing else gets in.
 * And the addresses in networkd, nftables and the appliance's default config agree.
 */
class FirewallAndNetworkTest {

    private static Map<String, String> probe(Path conf) throws Exception {
        Path script = ImagePaths.module().resolve("src/test/resources/nft-netns-check.sh");
        Proc run = Proc.run(null, Map.of(), Proc.cmd("bash", script, conf), 120);
        assertEquals(0, run.exitCode, run.toString());
        Map<String, String> result = new LinkedHashMap<>();
        for (String line : run.output.split("\n")) {
            String[] parts = line.strip().split(" ");
            if (parts.length == 2 && (parts[1].equals("OPEN") || parts[1].equals("BLOCKED"))) {
                result.put(parts[0], parts[1]);
            }
        }
        assertEquals(6, result.size(), run.toString());
        return result;
    }

    private static void assumeNetnsTools() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root for network namespaces");
        assumeTrue(Proc.available("nft") && Proc.available("ip") && Proc.available("python3"), "nft/ip/python3 missing");
    }

    @Test
    void ruleset_letsInOnlyRpcOnTheLaptopLinkAndTunnelOnTheUplink() throws Exception {
        assumeNetnsTools();
        Map<String, String> r = probe(ImagePaths.rootfs().resolve("etc/nftables.conf"));
        assertEquals("OPEN", r.get("laptop-tcp-8470"), r.toString());
        assertEquals("BLOCKED", r.get("laptop-tcp-9999"), r.toString());
        assertEquals("BLOCKED", r.get("uplink-tcp-8470"), r.toString());
        assertEquals("BLOCKED", r.get("uplink-tcp-9999"), r.toString());
        assertEquals("OPEN", r.get("uplink-udp-8471"), r.toString());
        assertEquals("BLOCKED", r.get("laptop-udp-8471"), r.toString());
    }

    @Test
    void probe_seesAnOpenRulesetAsOpen(@TempDir Path tmp) throws Exception {
        // Control: the probe must be able to report a hole.
        assumeNetnsTools();
        Path open = tmp.resolve("open.nft");
        Files.writeString(open, "flush ruleset\ntable inet t { chain input { type filter hook input priority 0; policy accept; }; }\n");
        Map<String, String> r = probe(open);
        assertEquals("OPEN", r.get("laptop-tcp-9999"), r.toString());
        assertEquals("OPEN", r.get("uplink-tcp-8470"), r.toString());
        assertEquals("OPEN", r.get("laptop-udp-8471"), r.toString());
    }

    @Test
    void addressesAndPorts_agreeAcrossNetworkdNftablesAndTheApplianceConfig() throws Exception {
        Path rootfs = ImagePaths.rootfs();
        String network = Files.readString(rootfs.resolve("etc/systemd/network/12-otpi0.network"));
        String nft = Files.readString(rootfs.resolve("etc/nftables.conf"));
        String conf = Files.readString(rootfs.resolve("usr/share/otpi/appliance.conf"));
        assertTrue(network.contains("Name=otpi0") && network.contains("Address=10.55.0.1/29"), network);
        assertTrue(network.contains("DHCPServer=yes") && network.contains("EmitRouter=no"), network);
        assertTrue(conf.contains("rpc.bind = 10.55.0.1") && conf.contains("rpc.port = 8470"), conf);
        assertTrue(nft.contains("define OTPI_LINK = \"otpi0\"") && nft.contains("define OTPI_RPC_PORT = 8470"), nft);
        assertTrue(nft.contains("policy drop"), nft);
        String netdev = Files.readString(rootfs.resolve("etc/systemd/network/10-otpi0.netdev"));
        assertTrue(netdev.contains("Name=otpi0") && netdev.contains("Kind=bridge"), netdev);
        if (Proc.available("nft")) {
            Proc check = Proc.run("unshare", "-n", "nft", "-c", "-f", rootfs.resolve("etc/nftables.conf").toString());
            assertEquals(0, check.exitCode, check.toString());
        }
    }
}
