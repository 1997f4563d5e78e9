package org.otpi.bridge.cli;

/** A relay account and whether it is connected now. */
public record RelayUser(String name, boolean online) {
}
