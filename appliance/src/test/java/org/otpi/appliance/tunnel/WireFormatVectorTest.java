package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact datagram bytes for fixed key material, sequences 0, 999 and 1000, both directions and both
 * AEAD engines. The expected bytes are built here from the note's description with Bouncy Castle's
 * ChaCha20Poly1305 directly, not with the code under test.
 */
class WireFormatVectorTest {

    private static final byte[] MATERIAL = TestKeys.material(3, 4242);
    private static final byte[] PAYLOAD = HexFormat.of().parseHex(
            "4500001c000140004001f6d70a0000010a000002" + "0800f7ff00000000"); // IPv4 + ICMP echo

    @TempDir
    Path tmp;

    /** The note, written out naively: header || ChaCha20-Poly1305(key, nonce, payload, aad=header). */
    static byte[] expected(Direction dir, long seq, byte[] payload) throws Exception {
        int slotOff = (int) (seq / 1000) * 120 + (dir == Direction.INITIATOR_TO_RESPONDER ? 0 : 60);
        byte[] tag = Arrays.copyOfRange(MATERIAL, slotOff, slotOff + 16);
        byte[] nonce12 = Arrays.copyOfRange(MATERIAL, slotOff + 16, slotOff + 28);
        byte[] key = Arrays.copyOfRange(MATERIAL, slotOff + 28, slotOff + 60);
        ByteBuffer header = ByteBuffer.allocate(32);
        header.put("PSK2".getBytes(StandardCharsets.US_ASCII)).put((byte) 2).put((byte) 0)
                .put((byte) (dir == Direction.INITIATOR_TO_RESPONDER ? 0 : 1)).put((byte) 0).put(tag).putLong(seq);
        byte[] nonce = ByteBuffer.allocate(12).put(nonce12, 0, 8).putInt((int) seq).array();
        ChaCha20Poly1305 c = new ChaCha20Poly1305();
        c.init(true, new AEADParameters(new KeyParameter(key), 128, nonce, header.array()));
        byte[] ct = new byte[payload.length + 16];
        int n = c.processBytes(payload, 0, payload.length, ct, 0);
        c.doFinal(ct, n);
        return ByteBuffer.allocate(32 + ct.length).put(header.array()).put(ct).array();
    }

    @Test
    void sealProducesTheNotesBytes_seq0_999_1000_bothDirections_bothEngines() throws Exception {
        List<String> failures = new ArrayList<>();
        long[] seqs = {0, 999, 1000};
        int id = 0;
        for (AeadEngine engine : AeadEngine.available()) {
            for (Role role : Role.values()) {
                for (long seq : seqs) {
                    id++;
                    byte[] actual;
                    try (SequenceState st = SequenceState.open(tmp.resolve("s" + id));
                         InMemorySlotStore store = new InMemorySlotStore(MATERIAL)) {
                        TunnelSession s = new TunnelSession(role, store, st, engine, new TunnelStats(), 3);
                        s.skipTxTo(seq);
                        // A fresh thread per seal: the JDK cipher (rightly) refuses to encrypt twice
                        // with the (key, nonce) it used last on that thread, and this table does so.
                        byte[][] box = new byte[1][];
                        Exception[] err = new Exception[1];
                        Thread t = new Thread(() -> {
                            try {
                                box[0] = s.seal(PAYLOAD, 0, PAYLOAD.length);
                            } catch (Exception e) {
                                err[0] = e;
                            }
                        });
                        t.start();
                        t.join();
                        if (err[0] != null) {
                            throw err[0];
                        }
                        actual = box[0];
                        s.close();
                    }
                    byte[] want = expected(role.tx(), seq, PAYLOAD);
                    if (!Arrays.equals(want, actual)) {
                        failures.add("#" + id + " " + engine + " " + role + " seq " + seq + ": want "
                                + HexFormat.of().formatHex(want) + " got " + HexFormat.of().formatHex(actual));
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
    }

    @Test
    void sealBatch_inPlaceInADirectBuffer_acrossASlotBoundary_isTheNotesBytes_everyEngine() throws Exception {
        List<String> failures = new ArrayList<>();
        int id = 0;
        for (AeadEngine engine : AeadEngine.available()) {
            id++;
            try (SequenceState st = SequenceState.open(tmp.resolve("b" + id));
                 SequenceState rt = SequenceState.open(tmp.resolve("br" + id));
                 InMemorySlotStore store = new InMemorySlotStore(MATERIAL);
                 InMemorySlotStore peer = new InMemorySlotStore(MATERIAL)) {
                TunnelSession s = new TunnelSession(Role.INITIATOR, store, st, engine, new TunnelStats(), 3);
                TunnelSession r = new TunnelSession(Role.RESPONDER, peer, rt, engine, new TunnelStats(), 3);
                s.skipTxTo(997);
                TxBatch batch = new TxBatch(ByteBuffer.allocateDirect(1 << 16), 16);
                for (int i = 0; i < 6; i++) { // sequences 997..1002: slots 0 and 1
                    batch.buf.put(batch.add(PAYLOAD.length), PAYLOAD);
                }
                assertEquals(6, s.sealBatch(batch));
                ByteBuffer plain = ByteBuffer.allocateDirect(256);
                for (int i = 0; i < 6; i++) {
                    byte[] got = new byte[batch.datagramLength(i)];
                    batch.buf.get(batch.offsets[i], got);
                    byte[] want = expected(Direction.INITIATOR_TO_RESPONDER, 997 + i, PAYLOAD);
                    if (!Arrays.equals(want, got)) {
                        failures.add(engine.name() + " seq " + (997 + i));
                    }
                    assertEquals(TunnelSession.Verdict.OK,
                            r.openTo(batch.buf, batch.offsets[i], got.length, plain, 8), engine.name());
                    byte[] back = new byte[PAYLOAD.length];
                    plain.get(8, back);
                    assertArrayEquals(PAYLOAD, back);
                }
                assertEquals(1003, s.txNext());
                s.close();
                r.close();
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(AeadEngine.available().size() >= 2, "jdk and bouncycastle at least");
    }

    @Test
    void openAcceptsTheNotesBytes_fromThePeer_bothEngines() throws Exception {
        int id = 0;
        for (AeadEngine engine : AeadEngine.available()) {
            for (Role role : Role.values()) {
                id++;
                try (SequenceState st = SequenceState.open(tmp.resolve("r" + id));
                     InMemorySlotStore store = new InMemorySlotStore(MATERIAL)) {
                    TunnelSession s = new TunnelSession(role, store, st, engine, new TunnelStats(), 3);
                    for (long seq : new long[] {0, 999, 1000}) {
                        byte[] d = expected(role.rx(), seq, PAYLOAD);
                        TunnelSession.Opened o = s.open(d, 0, d.length);
                        assertEquals(TunnelSession.Verdict.OK, o.verdict(), engine + " " + role + " seq " + seq);
                        assertArrayEquals(PAYLOAD, o.packet());
                    }
                    s.close();
                }
            }
        }
    }

    @Test
    void headerLayout_isMagicVersionFlagsDirReservedTagSeq() throws Exception {
        byte[] d = expected(Direction.RESPONDER_TO_INITIATOR, 1000, PAYLOAD);
        assertEquals("50534b3202000100", HexFormat.of().formatHex(d, 0, 8));
        assertArrayEquals(Arrays.copyOfRange(MATERIAL, 180, 196), Arrays.copyOfRange(d, 8, 24));
        assertEquals("00000000000003e8", HexFormat.of().formatHex(d, 24, 32));
        assertEquals(32 + PAYLOAD.length + 16, d.length);
    }

    @Test
    void openRejectsOwnDirection_wrongSlotTag_flippedBit_truncation() throws Exception {
        try (SequenceState st = SequenceState.open(tmp.resolve("x"));
             InMemorySlotStore store = new InMemorySlotStore(MATERIAL)) {
            TunnelStats stats = new TunnelStats();
            TunnelSession s = new TunnelSession(Role.RESPONDER, store, st, AeadEngine.best(), stats, 3);
            byte[] own = expected(Direction.RESPONDER_TO_INITIATOR, 5, PAYLOAD);
            assertEquals(TunnelSession.Verdict.MALFORMED, s.open(own, 0, own.length).verdict());
            byte[] good = expected(Direction.INITIATOR_TO_RESPONDER, 5, PAYLOAD);
            byte[] badTag = good.clone();
            badTag[10] ^= 1;
            assertEquals(TunnelSession.Verdict.AUTH_FAILED, s.open(badTag, 0, badTag.length).verdict());
            for (int i : new int[] {5, 7, 33, good.length - 1}) { // flags, reserved, ciphertext, tag
                byte[] flipped = good.clone();
                flipped[i] ^= 0x40;
                assertEquals(TunnelSession.Verdict.AUTH_FAILED, s.open(flipped, 0, flipped.length).verdict(), "byte " + i);
            }
            assertEquals(TunnelSession.Verdict.TRUNCATED, s.open(good, 0, 47).verdict());
            assertEquals(TunnelSession.Verdict.AUTH_FAILED, s.open(good, 0, good.length - 1).verdict());
            byte[] seqMoved = good.clone();
            seqMoved[31] ^= 1; // other nonce, same slot
            assertEquals(TunnelSession.Verdict.AUTH_FAILED, s.open(seqMoved, 0, seqMoved.length).verdict());
            assertEquals(TunnelSession.Verdict.OK, s.open(good, 0, good.length).verdict());
            assertEquals(TunnelSession.Verdict.REPLAY, s.open(good, 0, good.length).verdict());
            byte[] beyond = expected(Direction.INITIATOR_TO_RESPONDER, 2999, PAYLOAD);
            beyond[31] = 0; beyond[30] = 0x0f; beyond[29] = (byte) 0xa0; // seq 4000: slot 4 > 3 slots
            assertEquals(TunnelSession.Verdict.AUTH_FAILED, s.open(beyond, 0, beyond.length).verdict());
            assertEquals(1, stats.rxPackets());
            assertEquals(1, stats.replays());
            assertEquals(8, stats.authFailures());
            assertEquals(2, stats.malformed());
            s.close();
        }
    }

    @Test
    void forgedCopyOfTheNextSequence_doesNotBlockTheRealPacket_bothEngines() throws Exception {
        int id = 0;
        for (AeadEngine engine : AeadEngine.available()) {
            id++;
            try (SequenceState a = SequenceState.open(tmp.resolve("fa" + id));
                 SequenceState b = SequenceState.open(tmp.resolve("fb" + id));
                 InMemorySlotStore sa = new InMemorySlotStore(MATERIAL);
                 InMemorySlotStore sb = new InMemorySlotStore(MATERIAL)) {
                TunnelSession init = new TunnelSession(Role.INITIATOR, sa, a, engine, new TunnelStats(), 3);
                TunnelSession resp = new TunnelSession(Role.RESPONDER, sb, b, engine, new TunnelStats(), 3);
                byte[] d = init.seal(PAYLOAD, 0, PAYLOAD.length); // same thread seals and opens
                byte[] forged = d.clone();
                forged[40] ^= 1;
                assertEquals(TunnelSession.Verdict.AUTH_FAILED, resp.open(forged, 0, forged.length).verdict());
                assertEquals(TunnelSession.Verdict.OK, resp.open(d, 0, d.length).verdict(), engine.name());
                init.close();
                resp.close();
            }
        }
    }
}
