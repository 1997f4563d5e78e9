package org.otpi.protocol.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The pad-free parsers: exact layouts, and garbage only ever yields MalformedPackageException. */
class FormatParsersTest {

    @Test
    void otcV1_indexIsSixBytesLittleEndian() throws Exception {
        byte[] pkg = new byte[6 + 32 + 3];
        pkg[0] = 0x34;
        pkg[1] = 0x12;
        pkg[5] = 0x01;
        OtcV1Package p = OtcV1Package.parse(pkg);
        assertEquals(0x0100_0000_1234L, p.index());
        assertEquals(3, p.messageLength());
        assertArrayEquals(pkg, p.toBytes());
        assertEquals(2 * 3 + 48, OtcV1Package.padCost(3));
        assertThrows(MalformedPackageException.class, () -> OtcV1Package.parse(new byte[37]));
    }

    @Test
    void v2Header_layoutIsExact() throws Exception {
        byte[] id = new byte[16];
        id[15] = 7;
        V2Header h = new V2Header(V2Header.FLAG_EXPIRED, id, 0x0102030405060708L, 9, 300);
        byte[] b = h.toBytes();
        assertEquals(42, b.length);
        assertEquals("OTP2", new String(b, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(2, b[4]);
        assertEquals(2, b[5]);
        assertEquals(7, b[21]);
        assertEquals(1, b[22]);
        assertEquals(8, b[29]);
        assertEquals(9, b[37]);
        assertEquals(300 >> 8, b[40]);
        assertEquals(h, V2Header.parse(b));
        assertEquals(332, h.padCost());
        b[5] = 4;
        assertThrows(MalformedPackageException.class, () -> V2Header.parse(b));
    }

    @Test
    void paddedLength_bucketsArePowersOfTwoThenFourKiB() {
        assertEquals(64, V2Header.paddedLength(0));
        assertEquals(64, V2Header.paddedLength(60));
        assertEquals(128, V2Header.paddedLength(61));
        assertEquals(4096, V2Header.paddedLength(4092));
        assertEquals(8192, V2Header.paddedLength(4093));
        assertEquals(12288, V2Header.paddedLength(8189));
    }

    @Test
    void randomBytes_neverCrashTheParsers() {
        Random r = new Random(1234);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(200)];
            r.nextBytes(b);
            if (i % 3 == 0 && b.length >= 4) {
                System.arraycopy("OTP2".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
            }
            parseAll(b);
        }
    }

    @FuzzTest(maxDuration = "10s")
    void fuzzParsers(byte[] data) {
        parseAll(data);
    }

    private static void parseAll(byte[] b) {
        try {
            V2Header.parse(b);
        } catch (MalformedPackageException expected) {
            // fine
        }
        try {
            OtcV1Package.parse(b);
        } catch (MalformedPackageException expected) {
            // fine
        }
        try {
            ArmoredMessage.parse("CdOtP\nSOH\n2\n" + new String(b, StandardCharsets.ISO_8859_1));
        } catch (MalformedPackageException expected) {
            // fine
        }
    }
}
