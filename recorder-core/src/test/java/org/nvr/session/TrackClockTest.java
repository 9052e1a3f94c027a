package org.nvr.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TrackClockTest {
    static final long TPS = 90_000;
    static final long FRAME = 3600;

    @Test
    void passesGoodTimestampsThrough() {
        TrackClock c = new TrackClock(TPS, FRAME);
        for (long i = 0; i < 10; i++) {
            TrackClock.Stamp s = c.next(1000 + i * FRAME, 1000 + i * FRAME + 7200);
            assertEquals(1000 + i * FRAME, s.dts());
            assertEquals(1000 + i * FRAME + 7200, s.pts());
        }
        assertEquals(0, c.repairs());
        assertEquals(0, c.discontinuities());
    }

    @Test
    void dropsLeadingPacketsWithoutTimestampsAndFillsLaterOnes() {
        TrackClock c = new TrackClock(TPS, FRAME);
        assertNull(c.next(TrackClock.NO_TS, TrackClock.NO_TS));
        assertEquals(0, c.next(0, 0).dts());
        assertEquals(FRAME, c.next(FRAME, FRAME).dts());
        assertEquals(2 * FRAME, c.next(TrackClock.NO_TS, TrackClock.NO_TS).dts(), "missing dts continues by one frame");
        assertEquals(3 * FRAME, c.next(TrackClock.NO_TS, 3 * FRAME).dts(), "missing dts taken from pts");
    }

    @Test
    void repairsEqualOrSlightlyBackwardDts() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0);
        c.next(FRAME, FRAME);
        TrackClock.Stamp same = c.next(FRAME, FRAME);
        assertEquals(FRAME + 1, same.dts());
        TrackClock.Stamp back = c.next(FRAME - 10, FRAME - 10);
        assertEquals(FRAME + 2, back.dts());
        assertEquals(2, c.repairs());
    }

    @Test
    void turnsJumpsIntoContinuations() {
        TrackClock c = new TrackClock(TPS, FRAME);
        c.next(0, 0);
        c.next(FRAME, FRAME);
        // the camera's clock leaps an hour ahead: continue one frame later, and keep the new pace
        long jump = 3600 * TPS;
        assertEquals(2 * FRAME, c.next(jump, jump).dts());
        assertEquals(3 * FRAME, c.next(jump + FRAME, jump + FRAME).dts());
        // then it restarts from zero
        assertEquals(4 * FRAME, c.next(0, 0).dts());
        assertEquals(5 * FRAME, c.next(FRAME, FRAME).dts());
        assertEquals(2, c.discontinuities());
    }
}
