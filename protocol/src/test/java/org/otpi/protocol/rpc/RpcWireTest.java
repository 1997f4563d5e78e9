package org.otpi.protocol.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared wire types: strict JSON and stream framing. */
class RpcWireTest {
    @Test
    void records_roundTrip_withStableFieldNames() throws Exception {
        SealResponse s = new SealResponse("AAEC", 37, 963, false, 16);
        String json = RpcJson.mapper().writeValueAsString(s);
        assertEquals("{\"packageData\":\"AAEC\",\"padUsed\":37,\"sendRemaining\":963,\"lowPad\":false,\"index\":16}", json);
        assertEquals(s, RpcJson.mapper().readValue(json, SealResponse.class));
        OpenResponse o = new OpenResponse("aGk=", List.of("SKIP"), 10, 4096, true);
        String open = RpcJson.mapper().writeValueAsString(o);
        assertEquals("{\"message\":\"aGk=\",\"warnings\":[\"SKIP\"],\"receiveRemaining\":10,\"index\":4096,\"repeat\":true,"
                + "\"shownOnDevice\":false}", open);
        assertEquals(o, RpcJson.mapper().readValue(open, OpenResponse.class));
        OpenResponse onDevice = new OpenResponse("", List.of(), 10, 4096, false, true);
        assertEquals(onDevice, RpcJson.mapper().readValue(RpcJson.mapper().writeValueAsString(onDevice), OpenResponse.class));
        OutboxResponse box = new OutboxResponse(List.of(new OutboxEntry("0a1b", "bob", "bob-pi", "AAEC", 16, 1700000000000L)));
        String boxJson = RpcJson.mapper().writeValueAsString(box);
        assertEquals("{\"packages\":[{\"id\":\"0a1b\",\"contact\":\"bob\",\"to\":\"bob-pi\",\"packageData\":\"AAEC\","
                + "\"index\":16,\"createdAt\":1700000000000}]}", boxJson);
        assertEquals(box, RpcJson.mapper().readValue(boxJson, OutboxResponse.class));
        assertEquals("{\"id\":\"0a1b\"}", RpcJson.mapper().writeValueAsString(new OutboxAckRequest("0a1b")));
        assertEquals(new OutboxAckResponse("0a1b", true),
                RpcJson.mapper().readValue("{\"id\":\"0a1b\",\"forgotten\":true}", OutboxAckResponse.class));
        OpenConfirmRequest c = new OpenConfirmRequest("alice", 4096);
        String confirm = RpcJson.mapper().writeValueAsString(c);
        assertEquals("{\"contact\":\"alice\",\"index\":4096}", confirm);
        assertEquals(c, RpcJson.mapper().readValue(confirm, OpenConfirmRequest.class));
    }

    @Test
    void strictMapper_rejectsWhatALenientOneWouldAccept() {
        for (String bad : List.of(
                "{\"contact\":\"bob\",\"message\":\"aGk=\",\"x\":1}",
                "{\"contact\":\"bob\",\"contact\":\"eve\"}",
                "{\"contact\":1}",
                "{\"contact\":true}",
                "{\"contact\":\"bob\"} []")) {
            assertThrows(IOException.class, () -> RpcJson.mapper().readValue(bad, SealRequest.class), bad);
        }
        assertThrows(IOException.class, () -> RpcJson.mapper().readValue("{\"padUsed\":\"37\"}", SealResponse.class));
    }

    @Test
    void fileFingerprint_shortFormIsTheFirst64BitsGrouped_andOnlyAHashIsAccepted() throws Exception {
        // SHA-256("abc"), FIPS 180-2 appendix B.1
        String abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertEquals(abc, FileFingerprint.sha256(new ByteArrayInputStream("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
        assertEquals("ba78 16bf 8f01 cfea", FileFingerprint.shortForm(abc));
        assertEquals("ba78 16bf 8f01 cfea", FileFingerprint.shortForm(abc.toUpperCase(java.util.Locale.ROOT)));
        for (String bad : new String[] {null, "", abc.substring(1), abc + "0", abc.replace('a', 'g')}) {
            assertFalse(FileFingerprint.isHash(bad), String.valueOf(bad));
            assertThrows(IllegalArgumentException.class, () -> FileFingerprint.shortForm(bad));
        }
    }

    @Test
    void tokenNeverInToString() {
        PairFinishResponse r = new PairFinishResponse("s3cr3t-token-value", "laptop");
        assertFalse(r.toString().contains("s3cr3t"));
    }

    @Test
    void frames_vectorTable() throws Exception {
        byte[] h = new byte[StreamFrames.HEADER];
        StreamFrames.header(StreamFrames.DATA, 258, h);
        assertArrayEquals(new byte[] {'D', 0, 0, 1, 2}, h);
        byte[] stream = {'D', 0, 0, 0, 2, 7, 8, 'S', 0, 0, 0, 2, '{', '}'};
        ByteArrayInputStream in = new ByteArrayInputStream(stream);
        StreamFrames.Frame d = StreamFrames.read(in);
        assertEquals(StreamFrames.DATA, d.type());
        assertArrayEquals(new byte[] {7, 8}, d.payload());
        assertEquals(StreamFrames.SUMMARY, StreamFrames.read(in).type());
        assertNull(StreamFrames.read(in));
    }

    @Test
    void frames_rejectBadTypesTruncationAndOversize() {
        byte[][] bad = {
                {'Q', 0, 0, 0, 0},                      // unknown type
                {'D', 0, 0},                            // truncated header
                {'D', 0, 0, 0, 5, 1, 2},                // truncated payload
                {'D', 0, 1, 0, 1},                      // 65,537 bytes: over the limit
                {'D', (byte) 0x80, 0, 0, 0},            // negative length
        };
        for (byte[] b : bad) {
            assertThrows(IOException.class, () -> StreamFrames.read(new ByteArrayInputStream(b)));
        }
        assertThrows(IllegalArgumentException.class, () -> StreamFrames.header(StreamFrames.DATA, StreamFrames.MAX_PAYLOAD + 1, new byte[5]));
    }
}
