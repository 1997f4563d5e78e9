package org.otpi.appliance.securitylog;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import org.tinylog.core.LogEntry;
import org.tinylog.core.LogEntryValue;
import org.tinylog.writers.Writer;

/**
 * A TinyLog writer that copies security-tagged entries into {@link SecurityEvents}. Configured by
 * {@link org.otpi.appliance.LogSetup} as {@code writer3} with {@code tag = security}.
 */
public final class SecurityEventsWriter implements Writer {

    public SecurityEventsWriter(Map<String, String> properties) {
        // no settings
    }

    @Override
    public Collection<LogEntryValue> getRequiredLogEntryValues() {
        return EnumSet.of(LogEntryValue.DATE, LogEntryValue.LEVEL, LogEntryValue.MESSAGE);
    }

    @Override
    public void write(LogEntry e) {
        SecurityEvents.record(e.getTimestamp().toInstant().toEpochMilli(), e.getLevel().name(),
                e.getMessage() == null ? "" : e.getMessage());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
