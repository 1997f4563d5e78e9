package org.otpi.appliance.device;

import java.nio.charset.StandardCharsets;
import org.otpi.appliance.vault.Vault;
import org.otpi.protocol.format.ArmoredMessage;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.OtcV1Package;
import org.otpi.protocol.format.V2Header;

/**
 * What opening a package costs in pad (the sender's pad bytes that the open verifies, decrypts
 * and then destroys here), read from the package's own header without any pad: so an open is
 * approved, and charged to a standing approval, by its real cost as a seal is (DESIGN section 8).
 *
 * <pre>
 *   OTPi v2      42-byte header | m | 16-byte tag       cost m + 32   = length - 26
 *   armored      text around a v2 package               cost of the inner package (&lt; length - 26)
 *   OTC v1       6-byte index | m + 32                  cost 2m + 48  = 2 * length - 28
 * </pre>
 */
final class PackageCost {
    /** v2: header (42) + tag (16) on the wire, key (32) in pad. */
    static final long V2_WIRE_MINUS_PAD = V2Header.LENGTH + V2Header.TAG_LENGTH - V2Header.KEY_LENGTH;
    /** Longest OTC v1 package an open accepts: the v1 message limit plus its 38 bytes of framing. */
    static final long V1_MAX_PACKAGE = Vault.MAX_MESSAGE + OtcV1Package.INDEX_LENGTH + OtcV1Package.TAG_LENGTH;

    private PackageCost() {
    }

    /**
     * The pad an open of {@code pkg} (binary v1 or v2, or armored text) consumes. A package that
     * does not parse costs its own length: an over-estimate, and the open refuses it anyway.
     */
    static long ofPackage(byte[] pkg) {
        try {
            if (looksArmored(pkg)) {
                return ArmoredMessage.parse(new String(pkg, StandardCharsets.UTF_8)).header().padCost();
            }
            if (V2Header.looksLikeV2(pkg)) {
                return V2Header.parse(pkg).padCost();
            }
            return OtcV1Package.padCost(OtcV1Package.parse(pkg).messageLength());
        } catch (MalformedPackageException e) {
            return pkg.length;
        }
    }

    /**
     * An upper bound of what opening a sealed file of {@code length} bytes can cost, known before
     * its body is read (the body is read only after the approval): a v2 file costs exactly
     * {@code length - 26} and armored text less, but an OTC v1 package costs about twice its
     * length, so up to {@link #V1_MAX_PACKAGE} bytes the bound is the v1 one. The open refuses a
     * file whose real cost exceeds what was approved, and a standing approval gets the difference
     * back when the open succeeds.
     */
    static long fileOpenBound(long length) {
        if (length <= 0) {
            return 0;
        }
        long v2 = Math.max(0, length - V2_WIRE_MINUS_PAD);
        if (length > V1_MAX_PACKAGE || length <= OtcV1Package.INDEX_LENGTH + OtcV1Package.TAG_LENGTH) {
            return v2;
        }
        long v1 = OtcV1Package.padCost(length - OtcV1Package.INDEX_LENGTH - OtcV1Package.TAG_LENGTH);
        return Math.max(v1, v2);
    }

    static boolean looksArmored(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 32), StandardCharsets.US_ASCII).stripLeading();
        return head.startsWith(ArmoredMessage.BEGIN);
    }
}
