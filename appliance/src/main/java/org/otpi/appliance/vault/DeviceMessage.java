package org.otpi.appliance.vault;

/**
 * A message kept in the vault to be read on the device's screen only (DESIGN section 8, "read on
 * the device"): the laptop never receives its text. The text itself is read with
 * {@link OnDevice#read}.
 *
 * @param id         opaque id
 * @param contact    the sender, as this device names them
 * @param index      the pad index the package used
 * @param receivedAt epoch millis
 * @param expiresAt  epoch millis when it is destroyed unread or read; 0 = kept until destroyed
 * @param length     bytes of text
 */
public record DeviceMessage(String id, String contact, long index, long receivedAt, long expiresAt, int length) {
}
