package org.otpi.appliance.crypto;

import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/** HKDF-SHA256 (RFC 5869) from Bouncy Castle, for deriving per-purpose keys from the vault key. */
public final class Hkdf {
    private Hkdf() {
    }

    /** Derives {@code length} bytes from {@code ikm} with {@code salt} and a purpose label. */
    public static byte[] derive(byte[] ikm, byte[] salt, String info, int length) {
        HKDFBytesGenerator g = new HKDFBytesGenerator(new SHA256Digest());
        g.init(new HKDFParameters(ikm, salt, info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[length];
        g.generateBytes(out, 0, length);
        return out;
    }
}
