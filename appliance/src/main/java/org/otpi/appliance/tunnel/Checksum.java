package org.otpi.appliance.tunnel;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over big-endian buffers, for the TUN offloads: IPv4 header
 * checksums and TCP/UDP checksums with their pseudo-headers (RFC 793, RFC 768, RFC 8200 8.1).
 *
 * <p>Sums are kept unfolded in a {@code long}: 32-bit words are added whole, which is the same
 * one's-complement sum as adding 16-bit words because 2^16 = 1 modulo 0xffff.
 */
final class Checksum {

    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;

    private Checksum() {
    }

    /** Adds {@code b[off, off+len)} as 16-bit big-endian words (an odd last byte is the high byte). */
    static long add(ByteBuffer b, int off, int len, long sum) {
        int i = off;
        int end = off + len;
        for (; i + 8 <= end; i += 8) {
            long v = b.getLong(i);
            sum += (v >>> 32) + (v & 0xffffffffL);
        }
        if (i + 4 <= end) {
            sum += b.getInt(i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= end) {
            sum += b.getShort(i) & 0xffff;
            i += 2;
        }
        if (i < end) {
            sum += (b.get(i) & 0xff) << 8;
        }
        return sum;
    }

    /** Folds a sum to 16 bits (not complemented). */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /**
     * The pseudo-header sum of the IP packet at {@code pkt[ip]}: source and destination address,
     * protocol and the upper-layer length {@code l4len}.
     */
    static long pseudoHeader(ByteBuffer pkt, int ip, boolean v6, int proto, int l4len) {
        long sum = v6 ? add(pkt, ip + 8, 32, 0) : add(pkt, ip + 12, 8, 0);
        return sum + proto + l4len;
    }

    /** Computes and stores the IPv4 header checksum of the header at {@code pkt[ip, ip+ihl)}. */
    static void setIpv4Header(ByteBuffer pkt, int ip, int ihl) {
        pkt.putShort(ip + 10, (short) 0);
        pkt.putShort(ip + 10, (short) ~fold(add(pkt, ip, ihl, 0)));
    }

    static boolean ipv4HeaderValid(ByteBuffer pkt, int ip, int ihl) {
        return fold(add(pkt, ip, ihl, 0)) == 0xffff;
    }

    /**
     * Computes and stores the full TCP or UDP checksum of the segment at {@code pkt[l4, l4+l4len)}
     * whose checksum field is at {@code l4 + csumOffset}.
     */
    static void setTransport(ByteBuffer pkt, int ip, boolean v6, int proto, int l4, int l4len, int csumOffset) {
        pkt.putShort(l4 + csumOffset, (short) 0);
        int c = ~fold(add(pkt, l4, l4len, pseudoHeader(pkt, ip, v6, proto, l4len))) & 0xffff;
        if (c == 0 && proto == PROTO_UDP) {
            c = 0xffff; // RFC 768: zero means "no checksum"
        }
        pkt.putShort(l4 + csumOffset, (short) c);
    }

    /** True if the TCP or UDP checksum of the segment at {@code pkt[l4, l4+l4len)} is right. */
    static boolean transportValid(ByteBuffer pkt, int ip, boolean v6, int proto, int l4, int l4len) {
        return fold(add(pkt, l4, l4len, pseudoHeader(pkt, ip, v6, proto, l4len))) == 0xffff;
    }
}
