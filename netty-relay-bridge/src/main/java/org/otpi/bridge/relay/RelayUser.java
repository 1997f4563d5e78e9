package org.otpi.bridge.relay;

/** An account on the relay, and whether the relay considers it online (live session or recent activity). */
public record RelayUser(String uid, boolean online) {
}
