/**
 * Messages between the appliance and its kiosk over the local Unix domain socket.
 *
 * <p>One JSON object per line ({@link KioskCodec}), strict and bounded. The kiosk sends
 * {@link KioskMessage.Request}s carrying an id; the appliance answers each with a
 * {@link KioskMessage.Reply} carrying the same id, and pushes {@link KioskMessage.Push}es
 * (approval prompts, changes, alarms) at any time. Nothing here ever carries pad bytes.
 */
package org.otpi.protocol.kiosk;
