package org.otpi.appliance.exchange;

import java.nio.file.Path;

/**
 * What a side shows after its half of the exchange.
 *
 * @param fingerprint the words both people compare
 * @param info the pad's public facts
 * @param padIdHex the pad id (first 16 bytes), in hex
 * @param file the package written (sender) or consumed (receiver; wiped by then)
 */
public record TransferReceipt(PadFingerprint fingerprint, TransferInfo info, String padIdHex, Path file) {
}
