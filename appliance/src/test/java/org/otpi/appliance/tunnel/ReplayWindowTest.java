package org.otpi.appliance.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A numbered vector table (after wireguard-go's replay_test.go) and a property test against a naive set. */
class ReplayWindowTest {

    private static final long W = ProtocolConstants.REPLAY_WINDOW;

    /** {seq, expected}; applied in order to one window. */
    private static final long[][] VECTORS = {
        {0, 1},          // 1: first
        {0, 0},          // 2: replay
        {1, 1},          // 3
        {1, 0},          // 4
        {3, 1},          // 5: gap
        {2, 1},          // 6: fill gap
        {2, 0},          // 7
        {W, 1},          // 8: top = 4096, window [1, 4096]
        {0, 0},          // 9: fell out (top - 0 >= W)
        {1, 0},          // 10: in window but seen
        {4, 1},          // 11: in window, unseen
        {4, 0},          // 12
        {W + 1, 1},      // 13: window [2, 4097]
        {4, 0},          // 14
        {5, 1},          // 15
        {1, 0},          // 16: too old now
        {3 * W, 1},      // 17: big jump clears everything
        {2 * W, 0},      // 18: exactly W behind: too old
        {2 * W + 1, 1},  // 19: W-1 behind: the oldest accepted
        {2 * W + 1, 0},  // 20
        {3 * W - 1, 1},  // 21
        {3 * W, 0},      // 22
        {3 * W + 64, 1}, // 23: word boundary
        {3 * W + 63, 1}, // 24
        {3 * W + 63, 0}, // 25
        {Long.MAX_VALUE, 1}, // 26: largest sequence
        {Long.MAX_VALUE, 0}, // 27
        {-1, 0},         // 28: negative (>= 2^63 unsigned) never accepted
    };

    @Test
    void vectorTable() {
        ReplayWindow w = new ReplayWindow();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < VECTORS.length; i++) {
            boolean want = VECTORS[i][1] == 1;
            boolean got = w.accept(VECTORS[i][0]);
            if (want != got) {
                failures.add("vector " + (i + 1) + ": seq " + VECTORS[i][0] + " want " + want);
            }
        }
        assertEquals(List.of(), failures);
    }

    /** The rule spelled out with a set: accept if above top, or within W of top and unseen. */
    private static final class Naive {
        final Set<Long> seen = new HashSet<>();
        long top = -1;

        boolean accept(long seq) {
            if (seq <= top && (top - seq >= W || seen.contains(seq))) {
                return false;
            }
            seen.add(seq);
            top = Math.max(top, seq);
            return true;
        }
    }

    @Test
    void matchesNaiveReference_randomReorderingReplaysAndJumps() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            ReplayWindow w = new ReplayWindow();
            Naive n = new Naive();
            long cursor = 0;
            for (int i = 0; i < 20_000; i++) {
                int kind = r.nextInt(100);
                long seq;
                if (kind < 50) {
                    seq = cursor++;                           // in order
                } else if (kind < 80) {
                    seq = Math.max(0, cursor - 1 - r.nextInt((int) W + 200)); // late or replayed
                } else if (kind < 95) {
                    seq = cursor + r.nextInt(300);            // early
                } else if (kind < 99) {
                    cursor += r.nextInt(3 * (int) W);         // jump
                    seq = cursor;
                } else {
                    seq = Math.max(0, cursor - W + r.nextInt(3) - 1); // the edge
                }
                boolean check = w.check(seq);
                boolean got = w.accept(seq);
                boolean want = n.accept(seq);
                assertEquals(want, got, "seed " + seed + " step " + i + " seq " + seq);
                assertEquals(got, check, "check disagrees with accept, seed " + seed + " step " + i);
            }
        }
    }
}
