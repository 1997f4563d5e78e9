package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.io.Reader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * One link's configuration, a properties file ({@code /etc/otpi/tunnel/NAME.conf} on the image):
 *
 * <pre>
 * role          = initiator | responder           (required; opposite on the peer)
 * local.address = 0.0.0.0:51820                    (UDP bind)
 * peer.address  = 192.168.1.20:51820               (required)
 * tun.name      = otpi-tun0
 * tun.address   = 10.0.0.1/24                      (required)
 * tun.mtu       = 1420
 * key.file      = /mnt/secure/psk.bin              (the note's key file; or instead:)
 * key.vault     = site-b                           (a site-link pad in the vault: runs inside the appliance)
 * state.dir     = /var/lib/otpi/tunnel/NAME        (required; durable counters)
 * handshake     = on | off                         (on: last slot keyed HELLO/WELCOME; off: the note exactly)
 * identity.id   = 16 hex digits                    (default: SHA-256("psk-tunnel/v1" || salt || machine id)[0..8])
 * identity.salt = deployment salt                  (same on both peers)
 * peer.allow    = hex id, hex id                   (optional allowlist of peer identity ids)
 * aead          = auto | sodium | jdk | bouncycastle   (auto: libsodium when installed, else the JDK)
 * offload       = auto | off                       (auto: TUN TSO/GRO and UDP GSO/GRO where the kernel has them)
 * threads       = crypto worker threads; 0 = inline on the socket's event loop (default 0; offloads need 0)
 * keepalive.seconds = 10
 * stats.seconds     = 10
 * </pre>
 */
public record TunnelConfig(Role role, InetSocketAddress localAddress, InetSocketAddress peerAddress, String tunName,
        String tunAddress, int tunMtu, Path keyFile, Path stateDir, boolean handshake, byte[] identityId,
        Set<String> peerAllow, AeadEngine aead, int threads, long keepaliveMillis, long statsMillis,
        String keyVault, boolean offload) {

    public static TunnelConfig load(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        return from(p);
    }

    public static TunnelConfig from(Properties p) throws IOException {
        Role role = switch (required(p, "role").toLowerCase(Locale.ROOT)) {
            case "initiator" -> Role.INITIATOR;
            case "responder" -> Role.RESPONDER;
            default -> throw new IllegalArgumentException("role must be initiator or responder");
        };
        boolean hs = switch (p.getProperty("handshake", "on").trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("handshake must be on or off");
        };
        String aeadName = p.getProperty("aead", "auto").trim().toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "sodium", "libsodium", "jdk", "bouncycastle", "bc").contains(aeadName)) {
            throw new IllegalArgumentException("aead must be auto, sodium, jdk or bouncycastle");
        }
        AeadEngine aead = AeadEngine.named(aeadName);
        boolean offload = switch (p.getProperty("offload", "auto").trim().toLowerCase(Locale.ROOT)) {
            case "auto", "on", "true", "yes" -> true;
            case "off", "false", "no" -> false;
            default -> throw new IllegalArgumentException("offload must be auto or off");
        };
        Set<String> allow = new LinkedHashSet<>();
        for (String s : p.getProperty("peer.allow", "").split(",")) {
            if (!s.isBlank()) {
                allow.add(hexId(s.trim()));
            }
        }
        String id = p.getProperty("identity.id");
        byte[] identity = id != null ? HexFormat.of().parseHex(hexId(id.trim()))
                : deriveIdentity(p.getProperty("identity.salt", ""));
        return new TunnelConfig(role,
                address(p.getProperty("local.address", "0.0.0.0:51820")),
                address(required(p, "peer.address")),
                p.getProperty("tun.name", "otpi-tun0").trim(),
                required(p, "tun.address"),
                Integer.parseInt(p.getProperty("tun.mtu", Integer.toString(ProtocolConstants.DEFAULT_MTU)).trim()),
                p.getProperty("key.vault") != null ? null : Path.of(required(p, "key.file")),
                Path.of(required(p, "state.dir")),
                hs, identity, allow, aead,
                Integer.parseInt(p.getProperty("threads",
                        Integer.toString(TunnelPeer.Options.defaultCryptoThreads())).trim()),
                Long.parseLong(p.getProperty("keepalive.seconds", "10").trim()) * 1000,
                Long.parseLong(p.getProperty("stats.seconds", "10").trim()) * 1000,
                p.getProperty("key.vault") == null ? null : p.getProperty("key.vault").trim(), offload);
    }

    private static String required(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing " + key);
        }
        return v.trim();
    }

    private static String hexId(String s) {
        String h = s.toLowerCase(Locale.ROOT);
        if (!h.matches("[0-9a-f]{16}")) {
            throw new IllegalArgumentException("identity ids are 16 hex digits: " + s);
        }
        return h;
    }

    static InetSocketAddress address(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("address must be host:port: " + s);
        }
        String host = s.substring(0, colon).replace("[", "").replace("]", "");
        return new InetSocketAddress(host, Integer.parseInt(s.substring(colon + 1)));
    }

    /** The note's salted hardware-serial identity: an identifier, not a secret. */
    static byte[] deriveIdentity(String salt) throws IOException {
        byte[] serial = null;
        for (String f : new String[] {"/proc/device-tree/serial-number", "/etc/machine-id",
                "/sys/class/dmi/id/product_uuid"}) {
            try {
                byte[] b = Files.readAllBytes(Path.of(f));
                String t = new String(b, StandardCharsets.US_ASCII).replace("\0", "").trim();
                if (!t.isEmpty()) {
                    serial = t.getBytes(StandardCharsets.US_ASCII);
                    break;
                }
            } catch (IOException | SecurityException e) {
                // try the next one
            }
        }
        if (serial == null) {
            throw new IOException("no machine serial found: set identity.id");
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("psk-tunnel/v1".getBytes(StandardCharsets.US_ASCII));
            md.update(salt.getBytes(StandardCharsets.UTF_8));
            md.update(serial);
            return Arrays.copyOf(md.digest(), 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "TunnelConfig[" + role + " " + localAddress + " -> " + peerAddress + ", " + tunName + " " + tunAddress
                + ", key " + keyFile + ", state " + stateDir + ", handshake " + handshake + ", aead " + aead
                + ", offload " + (offload ? "auto" : "off") + ", threads " + threads + "]";
    }
}
