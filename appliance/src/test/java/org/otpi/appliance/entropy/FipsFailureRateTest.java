package org.otpi.appliance.entropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.channels.Channels;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.otpi.appliance.securitylog.SecurityEvents;

/**
 * FIPS 140-2 block failures happen with good data; they are summarised in the security log (at
 * most one line per period per source) and only a failure rate no good source shows cuts the
 * source off. The SP 800-90B tests still cut off at once.
 */
class FipsFailureRateTest {
    private static final HealthParameters P = HealthParameters.DEFAULT;
    private static final int BLOCK = HealthParameters.FIPS_BLOCK_BYTES;
    private static final Pattern LINE = Pattern.compile("entropy source (\\S+): (\\d+) of (\\d+) FIPS 140-2 blocks failed");

    private static long lastSeq() {
        List<SecurityEvents.Event> all = SecurityEvents.since(0, Integer.MAX_VALUE);
        return all.isEmpty() ? 0 : all.get(all.size() - 1).seq();
    }

    /** The FIPS summary lines of {@code source} logged after {@code since}: {failed, tested} each. */
    private static List<long[]> summaryLines(long since, String source) {
        return SecurityEvents.since(since, Integer.MAX_VALUE).stream()
                .map(e -> LINE.matcher(e.text()))
                .filter(m -> m.find() && m.group(1).equals(source))
                .map(m -> new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))})
                .toList();
    }

    @Test
    void goodData_overManyBlocks_isNeverCutOff_andLogsAtMostOneLinePerPeriod() {
        String source = "good-" + ProcessHandle.current().pid();
        long before = lastSeq();
        AtomicLong now = new AtomicLong();
        long period = 10_000_000_000_000L; // "10,000 s"; the fake clock moves 1 s per block
        HealthMonitor m = new HealthMonitor(P, source, now::get, period, true);
        SplittableRandom r = new SplittableRandom(20261202);
        byte[] chunk = new byte[200 * BLOCK];
        int rounds = 250; // 50,000 blocks, 125 MB: about 40 failing blocks expected at 1 in 1250
        for (int i = 0; i < rounds; i++) {
            r.nextBytes(chunk);
            for (int off = 0; off < chunk.length; off += 10 * BLOCK) {
                assertNull(m.feed(chunk, off, 10 * BLOCK), "good data must not be cut off");
                now.addAndGet(10 * 1_000_000_000L);
            }
        }
        m.flushSummary();
        long blocks = (long) rounds * chunk.length / BLOCK;
        assertEquals(blocks, m.fipsBlocks());
        long failed = m.fipsFailedBlocks();
        assertTrue(failed > 10 && failed < 100, "good data fails about 1 block in 1250: " + failed + " of " + blocks);
        List<long[]> lines = summaryLines(before, source);
        long periods = blocks * 1_000_000_000L / period;
        assertTrue(lines.size() <= periods + 2, lines.size() + " lines for " + periods + " periods");
        assertTrue(lines.size() < failed, "failures are summarised, not logged one by one: " + lines.size() + " lines, "
                + failed + " failures");
        assertEquals(failed, lines.stream().mapToLong(l -> l[0]).sum(), "every failure is counted in some line");
        assertTrue(lines.stream().mapToLong(l -> l[1]).sum() <= blocks, "lines count blocks once");
    }

    /** Good blocks, with every {@code every}-th block carrying a run of 32 zero bits (a long-run failure). */
    private static byte[] failingEvery(long seed, int blocks, int every) {
        byte[] data = SimulatedHrng.good(seed, blocks * BLOCK);
        for (int b = 0; b < blocks; b += every) {
            int at = b * BLOCK + 100 + (b % 37);
            java.util.Arrays.fill(data, at, at + 4, (byte) 0);
        }
        return data;
    }

    @Test
    void elevatedFipsFailureRate_isCutOff_andReported() throws Exception {
        String name = "elevated-" + ProcessHandle.current().pid();
        long before = lastSeq();
        // 5% of blocks fail (60 times good data), never 6 in 12: only the long window can see it
        byte[] data = failingEvery(7, 4000, 20);
        List<HealthEvent> events = new CopyOnWriteArrayList<>();
        HardwareSource src = new HardwareSource(name, Channels.newChannel(new ByteArrayInputStream(data)), P, 1e6);
        src.addListener(events::add);
        src.start();
        byte[] buf = new byte[BLOCK];
        long delivered = 0;
        try {
            while (true) {
                src.read(buf, 0, buf.length);
                delivered += buf.length;
            }
        } catch (SourceFailedException e) {
            assertEquals("fips-140-2", e.failure().test());
        }
        HealthFailure f = src.failure();
        assertNotNull(f);
        assertTrue(f.detail().contains("of the last " + HealthParameters.FIPS_LONG_WINDOW + " blocks failed"), f.detail());
        // cut off when the 19th failing block arrives: block 18 * 20 (the 19th multiple of 20)
        assertEquals(18L * 20 * BLOCK + BLOCK - 1, f.sampleIndex());
        assertTrue(delivered < 18L * 20 * BLOCK, "the failing read was not delivered");
        assertEquals(SourceHealth.FAILED, events.get(events.size() - 1).state());
        List<long[]> lines = summaryLines(before, name);
        assertEquals(P.fipsLongCutoff(), lines.stream().mapToLong(l -> l[0]).sum(),
                "the failures before the cut-off are in the log: " + lines.size() + " lines");
        assertTrue(lines.size() <= 2, "one line at the first failure, one at the cut-off: " + lines.size());
        assertTrue(SecurityEvents.since(before, Integer.MAX_VALUE).stream()
                .anyMatch(e -> e.text().contains(name) && e.text().contains("CUT OFF")), "the cut-off is in the log");
    }

    @Test
    void everyBlockFailing_isCutOffWithinTheShortWindow() {
        HealthMonitor m = new HealthMonitor(P, "broken-" + ProcessHandle.current().pid(), () -> 0, 1, true);
        byte[] data = failingEvery(8, 100, 1);
        HealthFailure f = m.feed(data, 0, data.length);
        assertNotNull(f);
        assertEquals("fips-140-2", f.test());
        assertTrue(f.detail().contains(P.fipsShortCutoff() + " of the last " + HealthParameters.FIPS_SHORT_WINDOW), f.detail());
        assertEquals((long) P.fipsShortCutoff() * BLOCK - 1, f.sampleIndex());
    }

    @Test
    void stuckSource_amidFipsFailures_isCutOffByTheRepetitionCountAtOnce() {
        HealthMonitor m = new HealthMonitor(P, "stuck-" + ProcessHandle.current().pid(), () -> 0, 1, true);
        byte[] data = failingEvery(9, 40, 8);
        int s = 30 * BLOCK + 777;
        java.util.Arrays.fill(data, s, data.length, (byte) 0x3c);
        HealthFailure f = m.feed(data, 0, data.length);
        assertNotNull(f);
        assertEquals("repetition-count", f.test());
        assertEquals(s + P.rctCutoff() - 1, f.sampleIndex(), "the sample completing the first run of " + P.rctCutoff());
    }

    @Test
    void summaryLine_namesTheCountsPerTest() {
        String source = "counts-" + ProcessHandle.current().pid();
        long before = lastSeq();
        HealthMonitor m = new HealthMonitor(P, source, () -> 0, Long.MAX_VALUE, true);
        byte[] data = failingEvery(10, 60, 10); // 6 long-run failures, at most one line until flushed
        assertNull(m.feed(data, 0, data.length));
        m.flushSummary();
        List<String> texts = SecurityEvents.since(before, Integer.MAX_VALUE).stream()
                .map(SecurityEvents.Event::text).filter(t -> t.contains(source)).toList();
        assertEquals(2, texts.size(), texts.toString()); // the first failure at once, the other five at the flush
        Matcher first = Pattern.compile("1 of (\\d+) FIPS 140-2 blocks failed since start \\(monobit 0, poker 0, runs \\d+, long run 1\\)")
                .matcher(texts.get(0));
        assertTrue(first.find(), texts.get(0));
        assertTrue(texts.get(1).contains("5 of 59 FIPS 140-2 blocks failed since the last report"), texts.get(1));
        assertTrue(texts.get(1).contains("long run 5"), texts.get(1));
    }
}
