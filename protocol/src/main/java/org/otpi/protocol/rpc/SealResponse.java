package org.otpi.protocol.rpc;

/**
 * The sealed package (base64) and what it cost.
 *
 * @param packageData   the package, base64
 * @param padUsed       pad bytes this seal consumed
 * @param sendRemaining pad bytes left for this contact afterwards
 * @param lowPad        the pad is running low
 * @param index         the pad index the package uses (also readable in its header)
 */
public record SealResponse(String packageData, long padUsed, long sendRemaining, boolean lowPad, long index) {
}
