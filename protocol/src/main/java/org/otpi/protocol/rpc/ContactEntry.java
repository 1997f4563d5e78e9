package org.otpi.protocol.rpc;

/**
 * One contact as the client may see it: names and counts, never pad bytes.
 *
 * @param name             the contact's name on this device
 * @param remoteId         the contact's id (the relay user name in chat)
 * @param sendRemaining    pad bytes left for sealing to this contact
 * @param receiveRemaining pad bytes the contact may still use towards us
 * @param lowPad           the device warns that this pad is running low
 * @param expired          the pad is retired (by us or by an authenticated peer status)
 */
public record ContactEntry(String name, String remoteId, long sendRemaining, long receiveRemaining,
                           boolean lowPad, boolean expired) {
}
