package org.otpi.appliance.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            PairingManager.Started started = pm.start("spam").orElseThrow();
            assertTrue(pm.finish(started.pairingId(), shown.get(shown.size() - 1)).isPresent()); // ends it
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
            String wrong = right.equals("00000000") ? "00000001" : "00000000";
            for (int i = 0; i < PairingManager.ATTEMPTS && failures < PairingManager.LOCKOUT_FAILURES; i++) {
                assertTrue(pm.finish(s.pairingId(), wrong).isEmpty());
                failures++;
            }
            if (failures < PairingManager.LOCKOUT_FAILURES) {
                assertTrue(pm.finish(s.pairingId(), right).isEmpty(), "ended by three wrong codes: nothing pending");
            }
            clock.now = clock.now.plusSeconds(7);
        }
        assertTrue(pm.start("laptop").isEmpty(), "locked");
        clock.now = clock.now.plus(PairingManager.LOCKOUT).plusSeconds(61);
        PairingManager.Started s = pm.start("laptop").orElseThrow();
        assertTrue(pm.finish(s.pairingId(), shown.get(shown.size() - 1)).isPresent());
    }

    @Test
    void aPendingPairing_cannotBeDisplaced_untilItEnds() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        List<String> names = new ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> {
            names.add(c);
            shown.add(code);
        }, clock);
        PairingManager.Started mine = pm.start("my-laptop").orElseThrow();
        clock.now = clock.now.plusSeconds(5);
        assertTrue(pm.start("evil-laptop").isEmpty(), "a second start while one is pending is refused");
        assertEquals(List.of("my-laptop"), names, "the screen still shows the first laptop's name and code");
        PairingManager.Paired p = pm.finish(mine.pairingId(), shown.get(0)).orElseThrow();
        assertEquals("my-laptop", p.clientName());
        PairingManager.Started other = pm.start("other").orElseThrow(() -> new AssertionError("free again once paired"));
        String typo = "99999999".equals(shown.get(1)) ? "00000000" : "99999999";
        assertTrue(pm.finish(other.pairingId(), typo).isEmpty());
        assertTrue(pm.start("other2").isEmpty(), "one typo leaves the pairing pending: the person retypes the code");
        for (int i = 1; i < PairingManager.ATTEMPTS; i++) {
            assertTrue(pm.finish(other.pairingId(), typo).isEmpty());
        }
        assertTrue(pm.start("other").isPresent(), "three wrong codes end it: it may start again at once");
        clock.now = clock.now.plus(PairingManager.TTL).plusSeconds(1);
        assertTrue(pm.start("late").isPresent(), "and once the pending one has expired");
        assertEquals(List.of("my-laptop", "other", "other", "late"), names);
    }

    @Test
    void dailyStarts_areBounded_andCountedAcrossRestarts() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < PairingBudget.STARTS_PER_DAY; i++) {
            // a restart before every start: nothing in memory survives
            PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
            PairingManager.Started s = pm.start("laptop").orElseThrow(() -> new AssertionError("start refused early"));
            assertTrue(pm.finish(s.pairingId(), shown.get(shown.size() - 1)).isPresent());
            clock.now = clock.now.plusSeconds(30);
        }
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        assertTrue(pm.start("laptop").isEmpty(), "the day's starts are spent, restart or not");
        clock.now = Instant.parse("2026-01-02T00:00:01Z");
        assertTrue(pm.start("laptop").isPresent(), "a new day");
    }

    @Test
    void codesAreCountedBeforeTheyAreChecked_soRestartsGiveNoFreshGuesses() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        for (int round = 0; round < PairingBudget.CODES_PER_DAY / PairingManager.ATTEMPTS; round++) {
            // guess three times, then "kill" the daemon (the in-memory lockout never triggers)
            PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
            pm.start("laptop").orElseThrow();
            String right = shown.get(shown.size() - 1);
            for (int i = 0; i < PairingManager.ATTEMPTS; i++) { // someone without the pairing id guessing
                assertTrue(pm.finish("not-the-id", right.equals("00000000") ? "00000001" : "00000000").isEmpty());
            }
            clock.now = clock.now.plusSeconds(30);
        }
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        PairingManager.Started s = pm.start("guesser").orElseThrow();
        assertTrue(pm.finish(s.pairingId(), shown.get(shown.size() - 1)).isEmpty(),
                "the day's codes are spent: even the right one is not checked");
        clock.now = Instant.parse("2026-01-02T00:00:01Z");
        s = pm.start("laptop").orElseThrow();
        assertTrue(pm.finish(s.pairingId(), shown.get(shown.size() - 1)).isPresent(), "a new day");
    }

    @Test
    void aTornOrEditedBudgetFile_shutsPairingForTheDay_notOpensIt() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        PairingManager first = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        PairingManager.Started s = first.start("laptop").orElseThrow();
        first.finish(s.pairingId(), shown.get(0)).orElseThrow();
        Path file = state.resolve(PairingBudget.FILE);
        String good = java.nio.file.Files.readString(file);
        assertTrue(good.contains("starts=1") && good.contains("codes=1"), good);

        for (String damaged : new String[] {good.substring(0, good.length() / 2), "",
                good.replace("starts=1", "starts=0"), good.replace("day=2026-01-01", "day=2026-01-01x")}) {
            java.nio.file.Files.writeString(file, damaged);
            PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
            assertTrue(pm.start("laptop").isEmpty(), "damaged file (" + damaged.length() + " chars): shut today");
        }
        clock.now = Instant.parse("2026-01-02T00:00:01Z");
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        assertTrue(pm.start("laptop").isPresent(), "open again the next day");
    }

    @Test
    void aClockSetBack_doesNotReopenADayAlreadyCounted() throws Exception {
        ManualClock clock = new ManualClock();
        clock.now = Instant.parse("2026-01-05T12:00:00Z");
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < PairingBudget.STARTS_PER_DAY; i++) {
            PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
            PairingManager.Started s = pm.start("laptop").orElseThrow();
            pm.finish(s.pairingId(), shown.get(shown.size() - 1)).orElseThrow();
            clock.now = clock.now.plusSeconds(30);
        }
        clock.now = Instant.parse("2026-01-03T12:00:00Z");
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        assertTrue(pm.start("laptop").isEmpty(), "two days back: still the spent day");
    }

    @Test
    void onlyTheStarter_canCancelAPendingPairing_andThenANewOneStartsAtOnce() throws Exception {
        ManualClock clock = new ManualClock();
        List<String> shown = new ArrayList<>();
        PairingManager pm = new PairingManager(ClientRegistry.open(state), (c, code, d) -> shown.add(code), clock);
        PairingManager.Started s = pm.start("my-laptop").orElseThrow();
        assertFalse(pm.cancel("not-the-id"), "a laptop without the pairing id cannot end it");
        assertFalse(pm.cancel(null));
        assertTrue(pm.start("evil").isEmpty(), "still pending");
        assertTrue(pm.cancel(s.pairingId()));
        assertTrue(pm.finish(s.pairingId(), shown.get(0)).isEmpty(), "a cancelled code no longer pairs");
        assertTrue(pm.start("my-laptop").isPresent(), "a new pairing starts at once");
    }
}
