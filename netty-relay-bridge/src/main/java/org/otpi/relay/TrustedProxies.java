package org.otpi.relay;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which peers are load balancers the relay believes, and who the client behind them is.
 *
 * <p>The client address comes, in this order of trust, from: the PROXY protocol header (only
 * accepted on a connection from a trusted proxy; see {@link ProxyProtocolHandler}); else
 * {@code X-Forwarded-For}, only when the request itself comes from a trusted proxy, read from the
 * right (each proxy appends the address it received from) and skipping trusted proxies, so a
 * client cannot choose its address by sending the header itself; else the TCP peer.
 * Addresses are literals only: nothing is ever looked up in DNS.
 */
final class TrustedProxies {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final int MAX_HOPS = 32;

    private final List<Block> blocks;

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    private TrustedProxies(List<Block> blocks) {
        this.blocks = blocks;
    }

    static final TrustedProxies NONE = new TrustedProxies(List.of());

    /** {@code "127.0.0.1"}, {@code "10.0.0.0/8"}, {@code "::1"}, {@code "fd00::/8"}; anything else is refused. */
    static TrustedProxies parse(List<String> entries) {
        List<Block> out = new ArrayList<>();
        for (String e : entries) {
            String s = e.trim();
            int slash = s.indexOf('/');
            InetAddress a = literal(slash < 0 ? s : s.substring(0, slash));
            if (a == null) {
                throw new IllegalArgumentException("trusted proxy must be an IP address or CIDR block: " + e);
            }
            int bits = a.getAddress().length * 8;
            int prefix = bits;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException("bad prefix length: " + e);
                }
                if (prefix < 0 || prefix > bits) {
                    throw new IllegalArgumentException("bad prefix length: " + e);
                }
            }
            out.add(new Block(a.getAddress(), prefix));
        }
        return new TrustedProxies(List.copyOf(out));
    }

    boolean isEmpty() {
        return blocks.isEmpty();
    }

    boolean trusts(InetAddress a) {
        if (a == null) {
            return false;
        }
        byte[] b = a.getAddress();
        for (Block bl : blocks) {
            if (bl.contains(b)) {
                return true;
            }
        }
        return false;
    }

    /** An IP literal (IPv4 dotted quad, or IPv6, optionally in brackets), or null. Never resolves names. */
    static InetAddress literal(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean v4 = IPV4.matcher(t).matches();
        boolean v6 = !v4 && t.indexOf(':') >= 0 && IPV6.matcher(t).matches();
        if (!v4 && !v6) {
            return null;
        }
        if (v4 && Arrays.stream(t.split("\\.")).anyMatch(p -> Integer.parseInt(p) > 255)) {
            return null;
        }
        try {
            return InetAddress.getByName(t); // a literal: no lookup
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The client address for one request.
     *
     * @param peer the TCP peer of the connection
     * @param proxied the source the PROXY header gave (null if none; only set for trusted peers)
     * @param forwardedFor the {@code X-Forwarded-For} header values, in order (may be empty)
     */
    String clientAddress(InetAddress peer, InetAddress proxied, List<String> forwardedFor) {
        InetAddress hop = proxied != null ? proxied : peer;
        if (hop == null) {
            return "unknown";
        }
        if (!trusts(hop) || forwardedFor.isEmpty()) {
            return hop.getHostAddress();
        }
        List<String> chain = new ArrayList<>();
        for (String v : forwardedFor) {
            for (String part : v.split(",")) {
                chain.add(part.trim());
            }
        }
        int seen = 0;
        for (int i = chain.size() - 1; i >= 0 && seen < MAX_HOPS; i--, seen++) {
            InetAddress a = literal(stripPort(chain.get(i)));
            if (a == null) {
                return hop.getHostAddress(); // garbage written by a trusted proxy: the last hop we believe
            }
            if (!trusts(a)) {
                return a.getHostAddress();
            }
            hop = a;
        }
        return hop.getHostAddress();
    }

    /** {@code 1.2.3.4:5678} and {@code [::1]:80} lose their port; a bare IPv6 keeps its colons. */
    private static String stripPort(String s) {
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            return end > 0 ? s.substring(0, end + 1) : s;
        }
        int colon = s.indexOf(':');
        if (colon > 0 && s.indexOf(':', colon + 1) < 0) {
            return s.substring(0, colon);
        }
        return s;
    }
}
