package org.otpi.bridge.relay;

import java.util.List;

/**
 * One page of queued packages.
 *
 * @param messages packages with {@code ref >= from}, ascending unless the relay misbehaves
 * @param nextRef where to fetch from next time (store it: the client library remembers nothing)
 */
public record FetchResult(List<RelayMessage> messages, long nextRef) {
    public FetchResult {
        messages = List.copyOf(messages);
    }
}
