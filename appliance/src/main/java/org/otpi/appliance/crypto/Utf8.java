package org.otpi.appliance.crypto;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** UTF-8 encoding of secrets held in {@code char[]}, without an intermediate String. */
public final class Utf8 {
    private Utf8() {
    }

    /** Encodes {@code chars}; the caller zeroes the result when done. */
    public static byte[] encode(char[] chars) {
        ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(chars));
        byte[] out = Arrays.copyOfRange(bb.array(), bb.position(), bb.limit());
        Arrays.fill(bb.array(), (byte) 0);
        return out;
    }
}
