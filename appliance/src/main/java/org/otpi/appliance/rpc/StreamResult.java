package org.otpi.appliance.rpc;

import java.util.Set;

/**
 * The outcome of a streamed file seal or open.
 *
 * @param padUsed   pad bytes consumed (seal) or destroyed (open)
 * @param remaining pad bytes left in that direction
 * @param warnings  what the device noticed (opens)
 */
public record StreamResult(long padUsed, long remaining, Set<Warning> warnings) {
    public StreamResult {
        warnings = Set.copyOf(warnings);
    }
}
