package org.otpi.appliance.rpc;

import java.nio.charset.StandardCharsets;
import org.otpi.protocol.format.ArmoredMessage;
import org.otpi.protocol.format.MalformedPackageException;
import org.otpi.protocol.format.OtcV1Package;
import org.otpi.protocol.format.V2Header;

/**
 * The length of the message inside a package, read from its header without any pad, for the
 * approval screen ("a message of 140 bytes from bob", not the package's size). The header is not
 * authenticated until the open: a forged one only changes what the screen says about a package
 * the open then rejects.
 *
 * @param length the message length, or an upper bound when {@code upTo}
 * @param upTo   the package is length-padded (or unreadable): the message is at most this long
 */
record PackageLength(long length, boolean upTo) {

    static PackageLength of(byte[] pkg) {
        try {
            String head = new String(pkg, 0, Math.min(pkg.length, 32), StandardCharsets.US_ASCII).stripLeading();
            if (head.startsWith(ArmoredMessage.BEGIN)) {
                return of(ArmoredMessage.parse(new String(pkg, StandardCharsets.UTF_8)).header());
            }
            if (V2Header.looksLikeV2(pkg)) {
                return of(V2Header.parse(pkg));
            }
            return new PackageLength(OtcV1Package.parse(pkg).messageLength(), false);
        } catch (MalformedPackageException | RuntimeException e) {
            return new PackageLength(pkg.length, true);
        }
    }

    private static PackageLength of(V2Header h) {
        // A padded body is length(4) || message || fill: the message is at most length - 4.
        return h.padded() ? new PackageLength(Math.max(0, h.length() - 4), true) : new PackageLength(h.length(), false);
    }
}
