package org.otpi.appliance.tunnel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The write side of the TUN offloads: consecutive TCP segments of one flow, opened from one batch
 * of datagrams, are joined into one super-packet and written to the TUN with a virtio header
 * asking the kernel to treat it as what its own GRO would have built (net/ipv4/tcp_offload.c):
 * {@code GSO_TCPV4/TCPV6}, {@code gso_size} = the first segment's payload, {@code NEEDS_CSUM}
 * with the pseudo-header sum in the TCP checksum field. The receiving TCP stack then handles one
 * 64 KiB packet instead of 45.
 *
 * <p>A segment joins the packet being built only if it continues it exactly: same addresses,
 * ports, acknowledgment number, window, TCP options, IP TOS/TTL/DF (IPv6 traffic class and hop
 * limit); sequence number right after; flags ACK or ACK|PSH; nothing after a PSH or after a
 * segment shorter than the first; 64 KiB at most. Checksums of joined segments are checked first
 * (the kernel will not check them again); a segment with a bad checksum is written alone, so the
 * kernel drops it. Everything else is written as it came, in the order it came: only adjacent
 * segments are joined, so no flow is ever reordered.
 *
 * <p>Without a virtio header ({@code vnet = false}) every packet is written as it came. Not
 * thread-safe; one per TUN writer.
 */
final class GroCoalescer {

    /** Receives whole TUN writes: {@code buf[off, off+len)}, virtio header first when vnet. */
    @FunctionalInterface
    interface Sink {
        void write(ByteBuffer buf, int off, int len) throws IOException;
    }

    private static final int MAX_PACKET = 65535;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_ACK = 0x10;

    private final boolean vnet;
    private final Sink sink;
    private final ByteBuffer out = ByteBuffer.allocateDirect(VirtioNetHdr.SIZE + MAX_PACKET + 64)
            .order(ByteOrder.BIG_ENDIAN);

    // The packet being built: in the caller's buffer until a second segment joins, then in out.
    private ByteBuffer cur;
    private int curOff;
    private int curLen;
    private boolean merged;
    private boolean v6;
    private int l4;
    private int hdrLen;
    private int gsoSize;
    private int nextSeq;
    private boolean closed;
    private long packetsJoined;
    private long writes;

    GroCoalescer(boolean vnet, Sink sink) {
        this.vnet = vnet;
        this.sink = sink;
    }

    /**
     * Takes the IP packet at {@code buf[off, off+len)}; with vnet, {@code buf[off-10, off)} must
     * be free for its header. The bytes must stay unchanged until {@link #flush()}.
     */
    void add(ByteBuffer buf, int off, int len) throws IOException {
        if (!vnet) {
            writes++;
            sink.write(buf, off, len);
            return;
        }
        int tcpHdr = tcpCandidate(buf, off, len);
        if (tcpHdr > 0 && cur != null && continues(buf, off, len, tcpHdr)) {
            if (!merged && !segmentValid(cur, curOff, curLen)) {
                flush();
                start(buf, off, len, tcpHdr);
                return;
            }
            if (!segmentValid(buf, off, len)) {
                flush();
                single(buf, off, len);
                return;
            }
            if (!merged) {
                out.put(VirtioNetHdr.SIZE, cur, curOff, curLen);
                cur = out;
                curOff = VirtioNetHdr.SIZE;
                merged = true;
            }
            int payload = len - hdrLen;
            out.put(curOff + curLen, buf, off + hdrLen, payload);
            curLen += payload;
            nextSeq += payload;
            packetsJoined++;
            if ((buf.get(off + l4 + 13) & TCP_PSH) != 0) {
                out.put(curOff + l4 + 13, (byte) (out.get(curOff + l4 + 13) | TCP_PSH));
                closed = true;
            }
            if (payload < gsoSize) {
                closed = true;
            }
            return;
        }
        flush();
        if (tcpHdr > 0) {
            start(buf, off, len, tcpHdr);
        } else {
            single(buf, off, len);
        }
    }

    /** Writes the packet being built, if any. Call at the end of every batch. */
    void flush() throws IOException {
        if (cur == null) {
            return;
        }
        ByteBuffer b = cur;
        int off = curOff;
        cur = null;
        if (!merged) {
            single(b, off, curLen);
            return;
        }
        if (v6) {
            b.putShort(off + 4, (short) (curLen - 40));
        } else {
            b.putShort(off + 2, (short) curLen);
            Checksum.setIpv4Header(b, off, l4);
        }
        new VirtioNetHdr(VirtioNetHdr.F_NEEDS_CSUM, v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4, hdrLen,
                gsoSize, l4, 16).write(b, off - VirtioNetHdr.SIZE);
        long pseudo = Checksum.pseudoHeader(b, off, v6, Checksum.PROTO_TCP, curLen - l4);
        b.putShort(off + l4 + 16, (short) Checksum.fold(pseudo));
        writes++;
        sink.write(b, off - VirtioNetHdr.SIZE, curLen + VirtioNetHdr.SIZE);
    }

    /** Segments joined into a previous one so far. */
    long packetsJoined() {
        return packetsJoined;
    }

    /** TUN writes so far. */
    long writes() {
        return writes;
    }

    private void single(ByteBuffer buf, int off, int len) throws IOException {
        VirtioNetHdr.writeNone(buf, off - VirtioNetHdr.SIZE);
        writes++;
        sink.write(buf, off - VirtioNetHdr.SIZE, len + VirtioNetHdr.SIZE);
    }

    private void start(ByteBuffer buf, int off, int len, int tcpHdr) {
        cur = buf;
        curOff = off;
        curLen = len;
        merged = false;
        v6 = (buf.get(off) & 0xf0) == 0x60;
        l4 = v6 ? 40 : 20;
        hdrLen = l4 + tcpHdr;
        gsoSize = len - hdrLen;
        nextSeq = buf.getInt(off + l4 + 4) + gsoSize;
        closed = (buf.get(off + l4 + 13) & TCP_PSH) != 0;
    }

    /**
     * The TCP header length if the packet may be joined with others (IPv4 without options or
     * IPv6 without extension headers, not a fragment, TCP with payload, flags ACK or ACK|PSH),
     * else 0.
     */
    static int tcpCandidate(ByteBuffer b, int off, int len) {
        if (len < 40) {
            return 0;
        }
        int l4;
        int vihl = b.get(off) & 0xff;
        if (vihl == 0x45) {
            if (b.get(off + 9) != Checksum.PROTO_TCP || (b.getShort(off + 2) & 0xffff) != len
                    || (b.getShort(off + 6) & 0x3fff) != 0) { // MF or a fragment offset
                return 0;
            }
            l4 = 20;
        } else if ((vihl >>> 4) == 6) {
            if (len < 60 || b.get(off + 6) != Checksum.PROTO_TCP || (b.getShort(off + 4) & 0xffff) != len - 40) {
                return 0;
            }
            l4 = 40;
        } else {
            return 0;
        }
        int tcph = ((b.get(off + l4 + 12) & 0xff) >>> 4) * 4;
        int flags = b.get(off + l4 + 13) & 0xff;
        if (tcph < 20 || l4 + tcph >= len || (flags != TCP_ACK && flags != (TCP_ACK | TCP_PSH))) {
            return 0;
        }
        return tcph;
    }

    /** Does the candidate at {@code b[off]} continue the packet being built exactly? */
    private boolean continues(ByteBuffer b, int off, int len, int tcph) {
        if (closed || l4 + tcph != hdrLen || ((b.get(off) & 0xf0) == 0x60) != v6) {
            return false;
        }
        int payload = len - hdrLen;
        if (payload > gsoSize || curLen + payload > MAX_PACKET + (v6 ? 40 : 0)
                || b.getInt(off + l4 + 4) != nextSeq) {
            return false;
        }
        ByteBuffer c = cur;
        int co = curOff;
        if (v6) {
            // version, traffic class (not the flow label), next header, hop limit, addresses
            if ((b.getShort(off) & 0xfff0) != (c.getShort(co) & 0xfff0) || b.getShort(off + 6) != c.getShort(co + 6)
                    || !same(b, off + 8, c, co + 8, 32)) {
                return false;
            }
        } else {
            // TOS, DF (no MF/offset: checked), TTL, protocol, addresses
            if (b.get(off + 1) != c.get(co + 1) || (b.get(off + 6) & 0xe0) != (c.get(co + 6) & 0xe0)
                    || b.get(off + 8) != c.get(co + 8) || !same(b, off + 12, c, co + 12, 8)) {
                return false;
            }
        }
        // ports; acknowledgment; data offset and window (bytes 12, 14-15); options
        return b.getInt(off + l4) == c.getInt(co + l4)
                && b.getInt(off + l4 + 8) == c.getInt(co + l4 + 8)
                && b.get(off + l4 + 12) == c.get(co + l4 + 12)
                && b.getShort(off + l4 + 14) == c.getShort(co + l4 + 14)
                && same(b, off + l4 + 20, c, co + l4 + 20, tcph - 20);
    }

    private static boolean same(ByteBuffer a, int ao, ByteBuffer b, int bo, int n) {
        for (int i = 0; i < n; i++) {
            if (a.get(ao + i) != b.get(bo + i)) {
                return false;
            }
        }
        return true;
    }

    /** IPv4 header and TCP checksums are right (the kernel trusts a NEEDS_CSUM packet). */
    private boolean segmentValid(ByteBuffer b, int off, int len) {
        if (!v6 && !Checksum.ipv4HeaderValid(b, off, 20)) {
            return false;
        }
        return Checksum.transportValid(b, off, v6, Checksum.PROTO_TCP, off + l4, len - l4);
    }
}
