package org.otpi.appliance.vault;

/**
 * The result of a seal: the package (bytes; for ARMOR, the UTF-8 text) and what it cost.
 *
 * @param packageBytes the package, safe to send anywhere
 * @param index        absolute pad index of its first pad byte
 * @param padCost      pad bytes consumed
 * @param sendRemaining pad bytes left in our direction afterwards
 * @param low          remaining pad is below the warning threshold
 */
public record Sealed(byte[] packageBytes, long index, long padCost, long sendRemaining, boolean low) {
}
