package org.otpi.appliance.tunnel;

import java.nio.ByteBuffer;

/**
 * {@code struct virtio_net_hdr} (linux/virtio_net.h), the 10 bytes in front of every packet read
 * from or written to a TUN opened with {@code IFF_VNET_HDR}. Little-endian (TUN uses the host's
 * order for legacy headers, and OTPi runs on amd64 and arm64, both little-endian).
 *
 * <pre>
 *  0       1          2          4           6            8             10
 *  +-------+----------+----------+-----------+------------+-------------+
 *  | flags | gso_type | hdr_len  | gso_size  | csum_start | csum_offset |
 *  +-------+----------+----------+-----------+------------+-------------+
 *  flags: NEEDS_CSUM = the transport checksum is partial (pseudo-header only): the reader
 *         completes it over [csum_start, end) and stores it at csum_start + csum_offset.
 *  gso_type: NONE, TCPV4, TCPV6, UDP_L4 (one super-packet to cut into gso_size segments);
 *         the ECN bit (0x80) only comes with TUN_F_TSO_ECN, which we do not ask for.
 * </pre>
 */
record VirtioNetHdr(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {

    static final int SIZE = 10;
    static final int F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    static final int GSO_UDP_L4 = 5;
    static final int GSO_ECN = 0x80;

    static final VirtioNetHdr NONE = new VirtioNetHdr(0, GSO_NONE, 0, 0, 0, 0);

    static VirtioNetHdr read(ByteBuffer b, int off) {
        return new VirtioNetHdr(b.get(off) & 0xff, b.get(off + 1) & 0xff, le16(b, off + 2), le16(b, off + 4),
                le16(b, off + 6), le16(b, off + 8));
    }

    void write(ByteBuffer b, int off) {
        b.put(off, (byte) flags);
        b.put(off + 1, (byte) gsoType);
        putLe16(b, off + 2, hdrLen);
        putLe16(b, off + 4, gsoSize);
        putLe16(b, off + 6, csumStart);
        putLe16(b, off + 8, csumOffset);
    }

    /** Writes an all-zero header: a complete packet whose checksums the kernel checks itself. */
    static void writeNone(ByteBuffer b, int off) {
        b.putShort(off, (short) 0);
        b.putLong(off + 2, 0L);
    }

    private static int le16(ByteBuffer b, int off) {
        return (b.get(off) & 0xff) | (b.get(off + 1) & 0xff) << 8;
    }

    private static void putLe16(ByteBuffer b, int off, int v) {
        b.put(off, (byte) v);
        b.put(off + 1, (byte) (v >>> 8));
    }
}
