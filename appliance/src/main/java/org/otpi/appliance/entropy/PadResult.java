package org.otpi.appliance.entropy;

/**
 * A committed pad.
 *
 * @param size bytes
 * @param origin {@code hrng+kernel} or {@code kernel}
 * @param padIdHex the first 16 bytes (the public pad id, never used to encrypt), in hex
 */
public record PadResult(long size, PadOrigin origin, String padIdHex) {
}
