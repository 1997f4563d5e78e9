package org.otpi.relay.store;

/**
 * A registered account as the store knows it.
 *
 * @param uid account name
 * @param lastSeenMillis last time any relay node saw the account active (0 = never since registering)
 */
public record UserRecord(String uid, long lastSeenMillis) {
}
