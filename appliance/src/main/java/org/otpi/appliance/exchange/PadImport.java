package org.otpi.appliance.exchange;

import java.io.IOException;
import org.otpi.appliance.entropy.PadSink;

/**
 * Where a received pad goes (the vault). Called only after the transfer code has been
 * checked; the exchange writes the pad's bytes to the returned sink in order, and commits it
 * only when the whole package has authenticated. On any failure the sink is aborted.
 */
public interface PadImport {

    PadSink begin(TransferInfo info) throws IOException;
}
