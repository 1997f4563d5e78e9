package org.otpi.appliance.pad;

import java.io.IOException;

/**
 * A durable, strictly increasing counter of chunk writes for one pad file. Every value it returns
 * is greater than every value it has returned before, across crashes (the vault reserves blocks of
 * values in its journal before handing them out). Never returns 0.
 */
@FunctionalInterface
public interface NonceCounter {
    long next() throws IOException;
}
