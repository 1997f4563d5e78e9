package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairingManagerTest {
    @TempDir
    Path state;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void startsAreRateLimited_soTheScreenCannotBeFlooded() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        for (int i = 0; i < PairingManager.STARTS_PER_MINUTE; i++) {
            assertTrue(pm.start("spam").isPresent());
            clock.now = clock.now.plusSeconds(1);
        }
        assertTrue(pm.start("spam").isEmpty());
        assertEquals(PairingManager.STARTS_PER_MINUTE, shown.size());
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        assertTrue(pm.start("laptop").isPresent(), "the window moves on");
    }

    @Test
    void expiredCode_isRefused() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        PairingManager.Started s = pm.start("laptop").orElseThrow();
        clock.now = clock.now.plus(PairingManager.TTL).plusSeconds(1);
        assertTrue(pm.finish(s.pairingId(), shown.get(0)).isEmpty());
    }

    @Test
    void tenWrongCodesInARow_lockPairing() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        int failures = 0;
        while (failures < PairingManager.LOCKOUT_FAILURES) {
            PairingManager.Started s = pm.start("guesser").orElseThrow();
            String right = shown.get(shown.size() - 1);
            for (int i = 0; i < PairingManager.ATTEMPTS && failures < PairingManager.LOCKOUT_FAILURES; i++) {
                String wrong = right.equals("00000000") ? "00000001" : "00000000";
                assertTrue(pm.finish(s.pairingId(), wrong).isEmpty());
                failures++;
            }
            clock.now = clock.now.plusSeconds(7);
        }
        assertTrue(pm.start("laptop").isEmpty(), "locked");
        clock.now = clock.now.plus(PairingManager.LOCKOUT).plusSeconds(61);
        PairingManager.Started s = pm.start("laptop").orElseThrow();
        assertTrue(pm.finish(s.pairingId(), shown.get(shown.size() - 1)).isPresent());
    }
}
