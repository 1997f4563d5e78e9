package org.otpi.appliance.vault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otpi.appliance.pad.Direction;
import org.otpi.appliance.pad.PadGeometry;

/** The SD card's marks survive torn writes, and mean the same bytes whichever half a pad is used from. */
class HighWaterMarksTest {
    private static final PadGeometry G = PadGeometry.withDefaultSplit(10_016);

    private static DeviceSecret secret(Path state) throws Exception {
        return DeviceSecret.loadOrCreate(state);
    }

    @Test
    void tornTail_isCutOnOpen_andTheLatestMarkWins(@TempDir Path state) throws Exception {
        byte[] pad = new byte[16];
        new Random(5).nextBytes(pad);
        try (HighWaterMarks m = new HighWaterMarks(state, secret(state))) {
            m.raise(pad, HighWaterMarks.Mark.of(G, Direction.FORWARD, 100, 0));
            m.raise(pad, HighWaterMarks.Mark.of(G, Direction.FORWARD, 200, 0));
        }
        // a power cut in the middle of the next record: 17 bytes of it reached the card
        Files.write(state.resolve(HighWaterMarks.FILE), new byte[17], StandardOpenOption.APPEND);
        try (HighWaterMarks m = new HighWaterMarks(state, secret(state))) {
            assertEquals(200, m.get(pad, G, Direction.FORWARD, true).orElseThrow().cursorFor(G, Direction.FORWARD));
            m.raise(pad, HighWaterMarks.Mark.of(G, Direction.FORWARD, 300, 0));
            m.raise(pad, HighWaterMarks.Mark.of(G, Direction.FORWARD, 400, 50));
        }
        try (HighWaterMarks m = new HighWaterMarks(state, secret(state))) {
            HighWaterMarks.Mark mark = m.get(pad, G, Direction.FORWARD, true).orElseThrow();
            assertEquals(400, mark.cursorFor(G, Direction.FORWARD), "a raise after the torn tail was lost");
            assertEquals(50, mark.cursorFor(G, Direction.BACKWARD));
        }
        assertEquals(0, Files.size(state.resolve(HighWaterMarks.FILE)) % 44, "records off their boundaries");
    }

    @Test
    void marksAreAbsolute_soAFlippedHalfOrAnotherSizeStillSeesEveryUsedByte() {
        // Person 0 sent 1,000 bytes forward and opened 300 of the peer's (from the end)
        HighWaterMarks.Mark m = HighWaterMarks.Mark.of(G, Direction.FORWARD, 1_000, 300);
        // the same pad used again as Person 1: the 1,000 forward bytes are now the peer's
        assertEquals(1_000, m.cursorFor(G, Direction.FORWARD));
        assertEquals(300, m.cursorFor(G, Direction.BACKWARD));
        // a copy of the pad cut to 6,016 bytes: forward bytes are where they were; the backward
        // bytes were beyond its end, so its backward half starts fresh
        PadGeometry shorter = PadGeometry.withDefaultSplit(6_016);
        assertEquals(1_000, m.cursorFor(shorter, Direction.FORWARD));
        assertEquals(0, m.cursorFor(shorter, Direction.BACKWARD));
        // cut so short that the forward bytes cross its split: its backward half must skip them
        PadGeometry tiny = PadGeometry.withDefaultSplit(1_216); // split at 616
        assertEquals(tiny.capacity(Direction.FORWARD), m.cursorFor(tiny, Direction.FORWARD));
        assertEquals(1_216 - 616, m.cursorFor(tiny, Direction.BACKWARD), "used forward bytes above its split");
        assertTrue(m.union(HighWaterMarks.Mark.of(G, Direction.BACKWARD, 10, 0)).cursorFor(G, Direction.BACKWARD) >= 300);
    }
}
