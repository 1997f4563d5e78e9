package org.otpi.appliance.entropy;

/**
 * What the kernel feeder has done.
 *
 * @param bytesRead healthy bytes read from the hardware source
 * @param bytesCredited bytes the kernel accepted
 * @param bitsCredited entropy bits credited for them (conservative: bytes * 8 * H / 8)
 * @param ioctlFailures calls the kernel refused
 * @param healthFailures times the source failed a health test (0 or 1: it is then cut off)
 * @param running whether the feeder loop is still going
 */
public record FeedStats(long bytesRead, long bytesCredited, long bitsCredited, long ioctlFailures,
                        long healthFailures, boolean running) {
}
