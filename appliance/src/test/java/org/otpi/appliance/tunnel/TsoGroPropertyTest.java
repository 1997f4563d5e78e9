package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The TUN offloads against a naive reference written here from the RFCs, on seeded random
 * packets: {@link TsoSplitter} must cut super-packets exactly as the reference does (every byte
 * of every segment, checksums included), and {@link GroCoalescer} must only join what may be
 * joined, keep the order, and write packets that the kernel's segmentation (our splitter, checked
 * above) turns back into the very segments that went in.
 */
class TsoGroPropertyTest {

    private static final int SEEDS = 20;

    // ---- naive reference (byte arrays, 16-bit words, one step at a time) ----

    static int naiveSum(byte[] b, int off, int len) {
        long sum = 0;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += (hi << 8) | lo;
        }
        while (sum > 0xffff) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    static int naivePseudo(byte[] p, boolean v6, int proto, int l4len) {
        byte[] ph = v6 ? new byte[40] : new byte[12];
        if (v6) {
            System.arraycopy(p, 8, ph, 0, 32);
            ph[34] = (byte) (l4len >>> 8);
            ph[35] = (byte) l4len;
            ph[39] = (byte) proto;
        } else {
            System.arraycopy(p, 12, ph, 0, 8);
            ph[9] = (byte) proto;
            ph[10] = (byte) (l4len >>> 8);
            ph[11] = (byte) l4len;
        }
        return naiveSum(ph, 0, ph.length);
    }

    static int onesAdd(int a, int b) {
        int s = a + b;
        return (s & 0xffff) + (s >>> 16);
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    static int get16(byte[] b, int off) {
        return (b[off] & 0xff) << 8 | (b[off + 1] & 0xff);
    }

    static long get32(byte[] b, int off) {
        return ((long) get16(b, off) << 16) | get16(b, off + 2);
    }

    /** Fills in IP header checksum (v4) and the full TCP/UDP checksum of a finished packet. */
    static void naiveChecksums(byte[] p, boolean v6, int l4, int proto) {
        if (!v6) {
            put16(p, 10, 0);
            put16(p, 10, ~naiveSum(p, 0, l4) & 0xffff);
        }
        int at = l4 + (proto == 6 ? 16 : 6);
        put16(p, at, 0);
        int c = ~onesAdd(naivePseudo(p, v6, proto, p.length - l4), naiveSum(p, l4, p.length - l4)) & 0xffff;
        put16(p, at, c == 0 && proto == 17 ? 0xffff : c);
    }

    static boolean naiveValid(byte[] p, boolean v6, int l4, int proto) {
        if (!v6 && naiveSum(p, 0, l4) != 0xffff) {
            return false;
        }
        return onesAdd(naivePseudo(p, v6, proto, p.length - l4), naiveSum(p, l4, p.length - l4)) == 0xffff;
    }

    /** The segments a super-packet {@code sp} (headers hdrLen, l4 at l4) must become. */
    static List<byte[]> naiveSplit(byte[] sp, boolean v6, int l4, int hdrLen, int gso, boolean tcp) {
        List<byte[]> out = new ArrayList<>();
        int payload = sp.length - hdrLen;
        int n = (payload + gso - 1) / gso;
        for (int i = 0; i < n; i++) {
            int len = Math.min(gso, payload - i * gso);
            byte[] s = new byte[hdrLen + len];
            System.arraycopy(sp, 0, s, 0, hdrLen);
            System.arraycopy(sp, hdrLen + i * gso, s, hdrLen, len);
            if (v6) {
                put16(s, 4, s.length - 40);
            } else {
                put16(s, 2, s.length);
                put16(s, 4, (get16(sp, 4) + i) & 0xffff);
            }
            if (tcp) {
                long seq = (get32(sp, l4 + 4) + (long) i * gso) & 0xffffffffL;
                put16(s, l4 + 4, (int) (seq >>> 16));
                put16(s, l4 + 6, (int) seq);
                if (i < n - 1) {
                    s[l4 + 13] &= ~0x09; // FIN, PSH
                }
                if (i > 0) {
                    s[l4 + 13] &= ~0x80; // CWR
                }
            } else {
                put16(s, l4 + 4, s.length - l4);
            }
            naiveChecksums(s, v6, l4, tcp ? 6 : 17);
            out.add(s);
        }
        return out;
    }

    // ---- random packets ----

    record Flow(byte[] src, byte[] dst, int sport, int dport, boolean v6, byte[] options) {
    }

    static Flow randomFlow(Random r, boolean v6) {
        byte[] src = new byte[v6 ? 16 : 4];
        byte[] dst = new byte[v6 ? 16 : 4];
        r.nextBytes(src);
        r.nextBytes(dst);
        byte[] opts = new byte[4 * r.nextInt(11)]; // 0..40 bytes
        r.nextBytes(opts);
        return new Flow(src, dst, r.nextInt(65536), r.nextInt(65536), v6, opts);
    }

    /** A packet of flow f with these fields; checksum fields left 0. */
    static byte[] packet(Flow f, boolean tcp, long seq, long ack, int flags, int window, int id, byte[] payload) {
        int l4 = f.v6 ? 40 : 20;
        int th = tcp ? 20 + f.options.length : 8;
        byte[] p = new byte[l4 + th + payload.length];
        if (f.v6) {
            p[0] = 0x60;
            put16(p, 4, p.length - 40);
            p[6] = (byte) (tcp ? 6 : 17);
            p[7] = 64;
            System.arraycopy(f.src, 0, p, 8, 16);
            System.arraycopy(f.dst, 0, p, 24, 16);
        } else {
            p[0] = 0x45;
            put16(p, 2, p.length);
            put16(p, 4, id);
            p[6] = 0x40; // DF
            p[8] = 64;
            p[9] = (byte) (tcp ? 6 : 17);
            System.arraycopy(f.src, 0, p, 12, 4);
            System.arraycopy(f.dst, 0, p, 16, 4);
        }
        put16(p, l4, f.sport);
        put16(p, l4 + 2, f.dport);
        if (tcp) {
            put16(p, l4 + 4, (int) (seq >>> 16));
            put16(p, l4 + 6, (int) seq);
            put16(p, l4 + 8, (int) (ack >>> 16));
            put16(p, l4 + 10, (int) ack);
            p[l4 + 12] = (byte) ((th / 4) << 4);
            p[l4 + 13] = (byte) flags;
            put16(p, l4 + 14, window);
            System.arraycopy(f.options, 0, p, l4 + 20, f.options.length);
        } else {
            put16(p, l4 + 4, p.length - l4);
        }
        System.arraycopy(payload, 0, p, l4 + th, payload.length);
        return p;
    }

    static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    // ---- TSO split ----

    @Test
    void tsoSplit_matchesTheNaiveReference_byteForByte_tcp4_tcp6_udp() {
        List<String> failures = new ArrayList<>();
        int cases = 0;
        ByteBuffer batchBuf = ByteBuffer.allocateDirect(1 << 20);
        ByteBuffer in = ByteBuffer.allocateDirect(70_000);
        TxBatch batch = new TxBatch(batchBuf, 512);
        for (int seed = 1; seed <= SEEDS; seed++) {
            Random r = new Random(seed);
            for (int k = 0; k < 30; k++) {
                boolean v6 = r.nextBoolean();
                boolean tcp = r.nextInt(4) != 0;
                Flow f = randomFlow(r, v6);
                int l4 = v6 ? 40 : 20;
                int hdrLen = l4 + (tcp ? 20 + f.options.length : 8);
                int gso = 200 + r.nextInt(1300);
                int payload = 1 + r.nextInt(Math.min(64000, 65535 - hdrLen));
                int flags = 0x10 | (r.nextBoolean() ? 0x08 : 0) | (r.nextInt(8) == 0 ? 0x01 : 0)
                        | (r.nextInt(8) == 0 ? 0x80 : 0);
                byte[] sp = packet(f, tcp, r.nextInt() & 0xffffffffL, r.nextInt() & 0xffffffffL, flags,
                        r.nextInt(65536), r.nextInt(65536), bytes(r, payload));
                // as the kernel hands it over: partial checksum = pseudo-header sum (length of the whole)
                put16(sp, l4 + (tcp ? 16 : 6), naivePseudo(sp, v6, tcp ? 6 : 17, sp.length - l4));
                List<byte[]> want = naiveSplit(sp, v6, l4, hdrLen, gso, tcp);
                batch.reset(batchBuf);
                in.put(3, sp);
                VirtioNetHdr h = new VirtioNetHdr(VirtioNetHdr.F_NEEDS_CSUM,
                        tcp ? (v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4) : VirtioNetHdr.GSO_UDP_L4,
                        r.nextBoolean() ? hdrLen : sp.length, gso, l4, tcp ? 16 : 6); // hdr_len not trusted
                int n = TsoSplitter.split(in, 3, sp.length, h, batch);
                cases++;
                if (n != want.size()) {
                    failures.add("seed " + seed + " case " + k + ": " + n + " segments, want " + want.size());
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    byte[] got = new byte[batch.lengths[i]];
                    batch.buf.get(batch.offsets[i] + ProtocolConstants.HEADER_SIZE, got);
                    if (!Arrays.equals(want.get(i), got)) {
                        failures.add("seed " + seed + " case " + k + " segment " + i + " differs");
                        break;
                    }
                    if (!naiveValid(got, v6, l4, tcp ? 6 : 17)) {
                        failures.add("seed " + seed + " case " + k + " segment " + i + ": checksum invalid");
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(SEEDS * 30, cases);
    }

    @Test
    void gsoNone_needsCsum_completesTheChecksum_restUnchanged() {
        Random r = new Random(7);
        for (int k = 0; k < 200; k++) {
            boolean v6 = r.nextBoolean();
            boolean tcp = r.nextBoolean();
            Flow f = randomFlow(r, v6);
            int l4 = v6 ? 40 : 20;
            byte[] p = packet(f, tcp, r.nextInt() & 0xffffffffL, 1, 0x18, 1000, 5, bytes(r, r.nextInt(1400)));
            byte[] full = p.clone();
            naiveChecksums(full, v6, l4, tcp ? 6 : 17);
            if (!v6) {
                put16(p, 10, get16(full, 10));
            }
            put16(p, l4 + (tcp ? 16 : 6), naivePseudo(p, v6, tcp ? 6 : 17, p.length - l4));
            TxBatch batch = new TxBatch(ByteBuffer.allocate(1 << 16), 4);
            ByteBuffer in = ByteBuffer.wrap(p.clone());
            VirtioNetHdr h = new VirtioNetHdr(VirtioNetHdr.F_NEEDS_CSUM, VirtioNetHdr.GSO_NONE, 0, 0, l4, tcp ? 16 : 6);
            assertEquals(1, TsoSplitter.split(in, 0, p.length, h, batch));
            byte[] got = new byte[p.length];
            batch.buf.get(ProtocolConstants.HEADER_SIZE, got);
            assertArrayEquals(full, got, "case " + k);
        }
    }

    @Test
    void malformedOffloadHeaders_refused_andAFullBatch_saysNoRoom() {
        Random r = new Random(3);
        Flow f = randomFlow(r, false);
        byte[] sp = packet(f, true, 1, 1, 0x10, 100, 1, bytes(r, 5000));
        ByteBuffer in = ByteBuffer.wrap(sp);
        int l4 = 20;
        int hdr = 20 + 20 + f.options.length;
        TxBatch batch = new TxBatch(ByteBuffer.allocate(1 << 20), 256);
        int tcp4 = VirtioNetHdr.GSO_TCPV4;
        int nc = VirtioNetHdr.F_NEEDS_CSUM;
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, VirtioNetHdr.GSO_TCPV6, hdr, 1000, l4, 16), batch), "v4 packet, TCPV6 type");
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, tcp4, hdr, 0, l4, 16), batch), "gso_size 0");
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, tcp4, hdr, 1000, 24, 16), batch), "csum_start is not the IP header length");
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, 30,
                new VirtioNetHdr(nc, tcp4, hdr, 1000, l4, 16), batch), "truncated");
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, 3, hdr, 1000, l4, 16), batch), "UFO");
        assertEquals(TsoSplitter.MALFORMED, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, tcp4 | VirtioNetHdr.GSO_ECN, hdr, 1000, l4, 16), batch), "ECN never asked for");
        assertEquals(0, batch.count, "nothing added by refused packets");
        TxBatch small = new TxBatch(ByteBuffer.allocate(3000), 256);
        assertEquals(TsoSplitter.NO_ROOM, TsoSplitter.split(in, 0, sp.length,
                new VirtioNetHdr(nc, tcp4, hdr, 1000, l4, 16), small));
        assertEquals(0, small.count);
    }

    // ---- GRO coalesce ----

    record Write(VirtioNetHdr h, byte[] packet) {
    }

    @Test
    void groCoalesce_joinsOnlyWhatMayBeJoined_keepsOrder_andResplitsToTheSameSegments() {
        List<String> failures = new ArrayList<>();
        long joinedTotal = 0;
        ByteBuffer arena = ByteBuffer.allocateDirect(4 << 20);
        TxBatch back = new TxBatch(ByteBuffer.allocateDirect(1 << 20), 512);
        for (int seed = 1; seed <= SEEDS; seed++) {
            Random r = new Random(seed * 7919L);
            List<byte[]> input = new ArrayList<>();
            List<Boolean> inputValid = new ArrayList<>();
            Flow[] flows = {randomFlow(r, false), randomFlow(r, true), randomFlow(r, false)};
            long[] seq = {r.nextInt() & 0xffffffffL, r.nextInt() & 0xffffffffL, r.nextInt() & 0xffffffffL};
            while (input.size() < 500) {
                int fi = r.nextInt(flows.length);
                Flow f = flows[fi];
                int l4 = f.v6 ? 40 : 20;
                int hdrLen = l4 + 20 + f.options.length;
                int gso = 500 + r.nextInt(900);
                int payload = 1 + r.nextInt(40_000);
                byte[] sp = packet(f, true, seq[fi], 777, 0x10 | (r.nextInt(3) == 0 ? 0x08 : 0), 512, r.nextInt(65536),
                        bytes(r, payload));
                seq[fi] = (seq[fi] + payload) & 0xffffffffL;
                List<byte[]> segs = naiveSplit(sp, f.v6, l4, hdrLen, gso, true);
                if (r.nextInt(5) == 0 && segs.size() > 2) { // reordered on the way
                    int i = r.nextInt(segs.size() - 1);
                    segs.add(i, segs.remove(i + 1));
                }
                for (byte[] s : segs) {
                    boolean valid = true;
                    if (r.nextInt(60) == 0) { // damaged (a buggy peer): must not be joined
                        s[s.length - 1] ^= 1;
                        valid = false;
                    }
                    input.add(s);
                    inputValid.add(valid);
                    if (r.nextInt(25) == 0) { // a pure ACK or a UDP datagram in between
                        boolean udp = r.nextBoolean();
                        byte[] other = packet(f, !udp, 5, seq[fi], 0x10, 512, 1, udp ? bytes(r, 300) : new byte[0]);
                        naiveChecksums(other, f.v6, l4, udp ? 17 : 6);
                        input.add(other);
                        inputValid.add(true);
                    }
                }
            }
            List<Write> writes = new ArrayList<>();
            GroCoalescer gro = new GroCoalescer(true, (buf, off, len) -> {
                byte[] w = new byte[len - VirtioNetHdr.SIZE];
                buf.get(off + VirtioNetHdr.SIZE, w);
                writes.add(new Write(VirtioNetHdr.read(buf, off), w));
            });
            int pos = 0;
            for (int i = 0; i < input.size(); i++) {
                byte[] p = input.get(i);
                int at = pos + VirtioNetHdr.SIZE;
                arena.put(at, p);
                try {
                    gro.add(arena, at, p.length);
                    if (r.nextInt(40) == 0) {
                        gro.flush(); // a batch ends
                    }
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
                pos = at + p.length;
            }
            try {
                gro.flush();
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            joinedTotal += gro.packetsJoined();
            int cursor = 0;
            for (Write w : writes) {
                if (w.h.gsoType() == VirtioNetHdr.GSO_NONE) {
                    if (w.h.flags() != 0 || !Arrays.equals(w.packet, input.get(cursor))) {
                        failures.add("seed " + seed + ": lone packet " + cursor + " changed");
                        break;
                    }
                    cursor++;
                    continue;
                }
                byte[] sp = w.packet;
                boolean v6 = (sp[0] & 0xf0) == 0x60;
                int l4 = v6 ? 40 : 20;
                // the kernel's view: NEEDS_CSUM with the pseudo-header sum over the new length
                if (w.h.flags() != VirtioNetHdr.F_NEEDS_CSUM || w.h.csumStart() != l4 || w.h.csumOffset() != 16
                        || w.h.gsoType() != (v6 ? VirtioNetHdr.GSO_TCPV6 : VirtioNetHdr.GSO_TCPV4)
                        || get16(sp, l4 + 16) != naivePseudo(sp, v6, 6, sp.length - l4)
                        || (!v6 && (naiveSum(sp, 0, 20) != 0xffff || get16(sp, 2) != sp.length))
                        || (v6 && get16(sp, 4) != sp.length - 40)) {
                    failures.add("seed " + seed + ": coalesced header wrong at input " + cursor);
                    break;
                }
                // cut it as the kernel would (our splitter matches the reference, tested above)
                back.reset(back.buf);
                int n = TsoSplitter.split(ByteBuffer.wrap(sp.clone()), 0, sp.length, w.h, back);
                if (n < 2) {
                    failures.add("seed " + seed + ": coalesced packet of " + n + " segments");
                    break;
                }
                for (int i = 0; i < n; i++, cursor++) {
                    byte[] seg = new byte[back.lengths[i]];
                    back.buf.get(back.offsets[i] + ProtocolConstants.HEADER_SIZE, seg);
                    byte[] orig = input.get(cursor);
                    if (!inputValid.get(cursor)) {
                        failures.add("seed " + seed + ": damaged segment " + cursor + " was joined");
                    }
                    // equal but for the IPv4 identification (the kernel numbers from the first)
                    byte[] a = seg.clone();
                    byte[] b = orig.clone();
                    if (!v6) {
                        put16(a, 4, 0);
                        put16(b, 4, 0);
                        naiveChecksums(a, false, 20, 6);
                        naiveChecksums(b, false, 20, 6);
                    }
                    if (!Arrays.equals(a, b)) {
                        failures.add("seed " + seed + ": segment " + cursor + " differs after resplit");
                        break;
                    }
                }
            }
            if (cursor != input.size()) {
                failures.add("seed " + seed + ": writes cover " + cursor + " of " + input.size() + " packets");
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(joinedTotal > SEEDS * 300, "GRO joined only " + joinedTotal + " segments");
    }

    @Test
    void withoutVnetHeader_everyPacketIsWrittenAsItCame() throws Exception {
        List<byte[]> writes = new ArrayList<>();
        GroCoalescer gro = new GroCoalescer(false, (buf, off, len) -> {
            byte[] w = new byte[len];
            buf.get(off, w);
            writes.add(w);
        });
        Random r = new Random(11);
        Flow f = randomFlow(r, false);
        byte[] sp = packet(f, true, 1000, 1, 0x10, 100, 1, bytes(r, 8000));
        List<byte[]> segs = naiveSplit(sp, false, 20, 40 + f.options.length, 1000, true);
        ByteBuffer arena = ByteBuffer.allocateDirect(1 << 20);
        int pos = 0;
        for (byte[] s : segs) {
            arena.put(pos, s);
            gro.add(arena, pos, s.length);
            pos += s.length;
        }
        gro.flush();
        assertEquals(segs.size(), writes.size());
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < segs.size(); i++) {
            a.writeBytes(segs.get(i));
            b.writeBytes(writes.get(i));
        }
        assertArrayEquals(a.toByteArray(), b.toByteArray());
    }
}
