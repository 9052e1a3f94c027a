package org.nvr.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class RunClockTest {
    static final Instant T0 = Instant.parse("2026-11-29T07:00:00Z");

    @Test
    void aStartBurstMovesTheAnchorBackSoNothingIsDatedInTheFuture() {
        RunClock clock = new RunClock(T0);
        // two seconds of buffered pictures arrive within 50 ms of the first one
        for (long frame = 0; frame < 50; frame++) {
            clock.settle(frame * 40_000, T0.plusMillis(frame), true);
        }
        // then live pictures, each arriving 100 ms after it was taken
        for (long frame = 50; frame < 60; frame++) {
            Instant arrival = T0.plusMillis(49).plusMillis((frame - 49) * 40);
            clock.settle(frame * 40_000, arrival, true);
            assertFalse(clock.wall(frame * 40_000).isAfter(arrival), "frame " + frame);
        }
        assertEquals(T0.plusMillis(49).minusMillis(1960), clock.anchor(), "the last burst picture fixes it");
    }

    @Test
    void rowsAreReDatedOnceAfterTheBurstAndWhenSettlingEnds() {
        RunClock clock = new RunClock(T0);
        assertFalse(clock.settle(0, T0, true));
        assertFalse(clock.settle(2_000_000, T0.plusSeconds(2), true));
        assertTrue(clock.settle(3_000_000, T0.plusSeconds(3), true), "checkpoint after 3 s");
        assertFalse(clock.settle(4_000_000, T0.plusSeconds(4), true));
        assertTrue(clock.settle(15_000_040, T0.plusSeconds(16), true), "settling ends inside the first segment");
        assertFalse(clock.settle(16_000_000, T0.minusSeconds(60), true), "the anchor no longer moves");
        assertEquals(T0, clock.anchor());
    }

    @Test
    void aSecondSegmentEndsSettlingWithoutReDating() {
        RunClock clock = new RunClock(T0);
        assertFalse(clock.settle(2_000_000, T0.plusSeconds(2), false));
        assertFalse(clock.settle(2_040_000, T0, true), "settled for good");
        assertEquals(T0, clock.anchor());
    }
}
