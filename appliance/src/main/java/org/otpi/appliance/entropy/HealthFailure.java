package org.otpi.appliance.entropy;

/**
 * Why a health test rejected a source. Carries no sample values (they would be entropy
 * that later becomes pad).
 *
 * @param test the test that failed, e.g. {@code "repetition-count"}
 * @param detail a human-readable statistic and its bound
 * @param sampleIndex the 0-based index (since the source opened) of the byte that tripped it
 */
public record HealthFailure(String test, String detail, long sampleIndex) {
}
