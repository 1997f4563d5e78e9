package org.otpi.protocol.rpc;

import java.util.List;

/** {@code GET /api/v1/contacts}. */
public record ContactsResponse(List<ContactEntry> contacts) {
    public ContactsResponse {
        contacts = List.copyOf(contacts);
    }
}
