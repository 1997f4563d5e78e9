package org.otpi.protocol.rpc;

import java.util.List;

/** The last frame of a successful streamed file operation. */
public record StreamSummary(long padUsed, long remaining, List<String> warnings) {
    public StreamSummary {
        warnings = List.copyOf(warnings);
    }
}
