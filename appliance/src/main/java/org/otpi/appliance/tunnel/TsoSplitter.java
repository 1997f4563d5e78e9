package org.otpi.appliance.tunnel;

import java.nio.ByteBuffer;

/**
 * The read side of the TUN offloads: turns what one {@code read()} of a TUN with
 * {@code IFF_VNET_HDR} and {@code TUNSETOFFLOAD} returns into ordinary IP packets, each in its
 * own {@link TxBatch} slot, as the kernel's own GSO would have cut it (net/ipv4/tcp_offload.c):
 *
 * <ul>
 *   <li>{@code GSO_NONE} with {@code NEEDS_CSUM}: one packet whose transport checksum only holds
 *       the pseudo-header sum; we complete it.
 *   <li>{@code GSO_TCPV4/TCPV6}: a TCP super-packet (up to 64 KiB) cut into {@code gso_size}
 *       payloads; each segment gets the headers with its own sequence number, IPv4 total length,
 *       identification (+1 per segment) and header checksum or IPv6 payload length, FIN and PSH
 *       only on the last segment, CWR only on the first, and a full TCP checksum.
 *   <li>{@code GSO_UDP_L4}: the same for UDP (length field and checksum per datagram).
 * </ul>
 *
 * The header lengths are taken from the packet, not from {@code hdr_len} (the kernel may set
 * that to a whole packet on forwarded traffic). Anything inconsistent is refused, not guessed at.
 */
final class TsoSplitter {

    /** {@link #split} result: the packet is malformed; nothing was added. */
    static final int MALFORMED = -1;
    /** {@link #split} result: the batch has no room; flush it and call again. */
    static final int NO_ROOM = -2;

    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private TsoSplitter() {
    }

    /**
     * Splits the packet at {@code in[off, off+len)} (after its virtio header {@code h}) into
     * {@code out}; may complete a partial checksum in {@code in}. Returns the number of packets
     * added, {@link #MALFORMED} or {@link #NO_ROOM}.
     */
    static int split(ByteBuffer in, int off, int len, VirtioNetHdr h, TxBatch out) {
        if (len < 1) {
            return MALFORMED;
        }
        int version = (in.get(off) & 0xff) >>> 4;
        if (h.gsoType() == VirtioNetHdr.GSO_NONE) {
            if ((h.flags() & VirtioNetHdr.F_NEEDS_CSUM) != 0 && !completeChecksum(in, off, len, h)) {
                return MALFORMED;
            }
            if (!out.hasRoom(1, len)) {
                return NO_ROOM;
            }
            out.buf.put(out.add(len), in, off, len);
            return 1;
        }
        boolean tcp;
        boolean v6;
        switch (h.gsoType()) {
            case VirtioNetHdr.GSO_TCPV4 -> {
                tcp = true;
                v6 = false;
            }
            case VirtioNetHdr.GSO_TCPV6 -> {
                tcp = true;
                v6 = true;
            }
            case VirtioNetHdr.GSO_UDP_L4 -> {
                tcp = false;
                v6 = version == 6;
            }
            default -> {
                return MALFORMED; // UFO, ECN: never asked for
            }
        }
        if (version != (v6 ? 6 : 4) || (h.flags() & VirtioNetHdr.F_NEEDS_CSUM) == 0) {
            return MALFORMED;
        }
        int l4 = h.csumStart();
        if (v6 ? l4 < 40 : (l4 != (in.get(off) & 0x0f) * 4 || l4 < 20)) {
            return MALFORMED;
        }
        int hdrLen;
        if (tcp) {
            if (len < l4 + 20) {
                return MALFORMED;
            }
            int tcph = ((in.get(off + l4 + 12) & 0xff) >>> 4) * 4;
            if (tcph < 20) {
                return MALFORMED;
            }
            hdrLen = l4 + tcph;
        } else {
            hdrLen = l4 + 8;
        }
        int gso = h.gsoSize();
        int payload = len - hdrLen;
        if (hdrLen > len || gso < 1 || payload < 1) {
            return MALFORMED;
        }
        int segments = (payload + gso - 1) / gso;
        if (!out.hasRoom(segments, segments * hdrLen + payload)) {
            return NO_ROOM;
        }
        ByteBuffer b = out.buf;
        int proto = tcp ? Checksum.PROTO_TCP : Checksum.PROTO_UDP;
        int seq0 = tcp ? in.getInt(off + l4 + 4) : 0;
        int id0 = v6 ? 0 : in.getShort(off + 4) & 0xffff;
        for (int i = 0; i < segments; i++) {
            int dataLen = Math.min(gso, payload - i * gso);
            int total = hdrLen + dataLen;
            int at = out.add(total);
            b.put(at, in, off, hdrLen);
            b.put(at + hdrLen, in, off + hdrLen + i * gso, dataLen);
            if (v6) {
                b.putShort(at + 4, (short) (total - 40));
            } else {
                b.putShort(at + 2, (short) total);
                b.putShort(at + 4, (short) (id0 + i));
                Checksum.setIpv4Header(b, at, l4);
            }
            if (tcp) {
                b.putInt(at + l4 + 4, seq0 + i * gso);
                int flags = b.get(at + l4 + 13) & 0xff;
                if (i < segments - 1) {
                    flags &= ~(TCP_FIN | TCP_PSH);
                }
                if (i > 0) {
                    flags &= ~TCP_CWR;
                }
                b.put(at + l4 + 13, (byte) flags);
                Checksum.setTransport(b, at, v6, proto, at + l4, total - l4, 16);
            } else {
                b.putShort(at + l4 + 4, (short) (total - l4));
                Checksum.setTransport(b, at, v6, proto, at + l4, total - l4, 6);
            }
        }
        return segments;
    }

    /** Completes a partial (pseudo-header only) checksum in place, as skb_checksum_help does. */
    static boolean completeChecksum(ByteBuffer in, int off, int len, VirtioNetHdr h) {
        int start = h.csumStart();
        int at = start + h.csumOffset();
        if (start >= len || at + 2 > len) {
            return false;
        }
        int partial = in.getShort(off + at) & 0xffff;
        in.putShort(off + at, (short) 0);
        int c = ~Checksum.fold(Checksum.add(in, off + start, len - start, partial)) & 0xffff;
        in.putShort(off + at, (short) (c == 0 ? 0xffff : c));
        return true;
    }
}
